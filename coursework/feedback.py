"""Per-student feedback files: scores per task, what the visible tests said, never a hidden test
or a solution.

nbgrader's own ``generate_feedback`` renders the autograded notebook, which holds the hidden
tests; it is not used. A feedback file is built from the grader's result for the student
(``results/<assignment>/<student>.json``) and the gradebook (hand-given points and comments):

* every task: points and maximum, and "검토 중" while a flag waits for the instructor;
* visible tests (whose whole source the student has): passed, or the error message;
* hidden tests: only how many passed, never their source, message or inputs;
* errors raised by the student's own answer cells (their code, their message);
* written tasks: waiting, or the points with the instructor's comment;
* the submission time and the late penalty, when a deadline is given.
"""

from __future__ import annotations

import html
import json
from datetime import datetime
from pathlib import Path

from .common import CourseworkError, atomic_write_text, read_json_record, read_status, require_release, task_sort_key
from .manual import read_manual
from .term import NOT_SUBMITTED, Student, days_late, late_factor

FEEDBACK_DIR = "feedback"
HIDDEN_MARK = "### BEGIN HIDDEN TESTS"


def hidden_test_ids(workdir: Path, assignment: str) -> set[str]:
    source = json.loads(require_release(workdir, assignment).read_text(encoding="utf-8"))
    hidden = set()
    for cell in source["cells"]:
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id and HIDDEN_MARK in text:
            hidden.add(grade_id)
    return hidden


def _reason(state: str) -> str:
    """'malformed: /instructor/path/id/file.ipynb: why' -> 'why' (no path of the instructor's disk)."""
    reason = state.split(": ", 1)[1] if ": " in state else state
    if reason.startswith("/") and ": " in reason:
        reason = reason.split(": ", 1)[1]
    return reason


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def render(assignment: str, student: str, name: str, result: dict | None, manual: dict[str, dict],
           hidden: set[str], *, submitted_at: datetime | None = None, deadline: datetime | None = None,
           penalty: float = 0.0, problem: str = "") -> str:
    """The feedback page of one student (self-contained HTML, Korean)."""
    title = f"{assignment} 채점 결과: {student}" + (f" ({name})" if name else "")
    out = ["<!DOCTYPE html>", '<html lang="ko"><head><meta charset="utf-8">', f"<title>{_e(title)}</title>",
           "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.5}"
           "table{border-collapse:collapse}td,th{border:1px solid #aaa;padding:.2em .6em}"
           ".fail{color:#a00}.ok{color:#060}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5em}</style>",
           "</head><body>", f"<h1>{_e(title)}</h1>"]
    if result is None and problem:
        out.append(f"<p><strong>채점하지 못했습니다</strong>: {_e(problem)}</p>"
                   "<p>파일을 고쳐 다시 내거나 강사에게 문의하세요.</p></body></html>")
        return "\n".join(out)
    if result is None:
        out.append(f"<p><strong>{NOT_SUBMITTED}</strong>: 이 과제의 제출물이 없습니다. 총점 0점.</p></body></html>")
        return "\n".join(out)
    tasks = dict(sorted(result["tasks"].items(), key=lambda item: task_sort_key(item[0])))
    total, max_total, waiting = 0.0, 0.0, []
    rows = []
    for task, entry in tasks.items():
        points = float(entry["score"])
        task_waiting = False
        for cell in entry.get("manual", []):
            got = manual.get(cell["grade_id"], {})
            if cell.get("answered") and got.get("points") is None:
                task_waiting = True
            else:
                points += float(got.get("points") or 0.0)
        max_total += float(entry["max"])
        if task_waiting:
            waiting.append(task)
        else:
            total += points
        state = "검토 중" if entry.get("flags") else ("서술형 채점 대기" if task_waiting else "")
        rows.append(f"<tr><td>{_e(task)}</td><td>{'' if task_waiting else f'{points:g}'}</td>"
                    f"<td>{float(entry['max']):g}</td><td>{_e(state)}</td></tr>")
    out.append("<table><tr><th>과제</th><th>점수</th><th>배점</th><th>상태</th></tr>")
    out.extend(rows)
    late = days_late(submitted_at, deadline)
    factor = late_factor(late, penalty)
    out.append(f"<tr><th>합계</th><th>{total * factor:g}</th><th>{max_total:g}</th><th>"
               f"{'서술형 점수는 채점 후 더해집니다' if waiting else ''}</th></tr></table>")
    if submitted_at is not None:
        out.append(f"<p>제출 시각: {_e(submitted_at.isoformat())}"
                   + (f", 마감보다 {late}일 늦음: 총점의 {100 * (1 - factor):g}% 감점" if late else "") + "</p>")
    for task, entry in tasks.items():
        out.append(f"<h2>{_e(task)}</h2><ul>")
        if entry.get("load_failed"):
            out.append(f'<li class="fail">답안 셀을 실행하지 못했습니다: {_e(entry["load_failed"])}</li>')
        for error in entry.get("cell_errors", []):
            out.append(f'<li class="fail">답안 셀의 오류: <pre>{_e(error)}</pre></li>')
        visible = [t for t in entry.get("tests", []) if t["grade_id"] not in hidden]
        secret = [t for t in entry.get("tests", []) if t["grade_id"] in hidden]
        for test in visible:
            if test["passed"]:
                out.append(f'<li class="ok">공개 테스트 통과 ({test["points"]:g}점)</li>')
            else:
                out.append(f'<li class="fail">공개 테스트 실패 (0/{test["points"]:g}점): <pre>{_e(test["error"])}</pre></li>')
        if secret:
            passed = sum(t["passed"] for t in secret)
            got = sum(t["points"] for t in secret if t["passed"])
            out.append(f"<li>숨은 테스트: {len(secret)}개 중 {passed}개 통과 ({got:g}/{sum(t['points'] for t in secret):g}점)."
                       " 숨은 테스트의 내용과 입력은 공개하지 않습니다.</li>")
        for cell in entry.get("manual", []):
            got = manual.get(cell["grade_id"], {})
            if not cell.get("answered"):
                out.append(f'<li class="fail">서술형: 답이 없습니다 (0/{cell["points"]:g}점)</li>')
            elif got.get("points") is None:
                out.append("<li>서술형: 강사가 채점하기를 기다리는 중입니다</li>")
            else:
                out.append(f"<li>서술형: {got['points']:g}/{cell['points']:g}점"
                           + (f"<br>강사 의견: <pre>{_e(got['comment'])}</pre>" if got.get("comment") else "") + "</li>")
        if entry.get("flags"):
            out.append("<li>이 과제는 강사가 제출물을 직접 확인한 뒤 점수가 확정됩니다.</li>")
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out)


def write_feedback(workdir: Path, assignment: str, students: list[Student], *, only: str | None = None,
                   times: dict | None = None, deadline: datetime | None = None, penalty: float = 0.0) -> list[Path]:
    """Write ``feedback/<assignment>/<student>.html`` for every graded student (and every roster
    student without a submission); ``only`` limits it to one student."""
    results_dir = workdir / "results" / assignment
    hidden = hidden_test_ids(workdir, assignment)
    status = read_status(workdir).get(assignment, {})
    names = {s.id: s.name for s in students}
    graded = sorted(p.stem for p in results_dir.glob("*.json")) if results_dir.is_dir() else []
    graded = sorted(set(graded) | set(status))  # malformed or failed submissions too
    everyone = [s.id for s in students] + [g for g in graded if g not in names]
    if only is not None:
        if only not in everyone:
            raise CourseworkError(f"no result and no roster entry for student {only!r}")
        everyone = [only]
    folder = workdir / FEEDBACK_DIR / assignment
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    times = times or {}
    manual_all = read_manual(workdir, assignment, [s for s in everyone if (results_dir / f"{s}.json").is_file()])
    for student in everyone:
        path = results_dir / f"{student}.json"
        result = read_json_record(path, "채점 결과")
        result = result if isinstance(result, dict) and isinstance(result.get("tasks"), dict) else None
        manual = manual_all.get(student, {})
        state = str(status.get(student, "ok"))
        problem = "" if result is not None or state == "ok" else _reason(state)
        page = render(assignment, student, names.get(student, ""), result, manual, hidden,
                      submitted_at=times.get(student, {}).get("submitted_at"), deadline=deadline, penalty=penalty,
                      problem=problem)
        target = folder / f"{student}.html"
        atomic_write_text(target, page)
        written.append(target)
    return written


def cmd_feedback(args) -> int:
    from .term import term_options

    workdir: Path = args.workdir.resolve()
    options = term_options(args)
    written = write_feedback(workdir, args.assignment, options["roster"] or [], only=args.student,
                             times=options["times"], deadline=options["deadline"], penalty=options["penalty"])
    folder = workdir / FEEDBACK_DIR / args.assignment
    print(f"학생별 피드백 {len(written)}개: {folder}/<학번>.html")
    return 0
