"""Grading a large class on several machines: ``autograde --shard K/N`` and ``merge``.

Each machine grades a deterministic share of the submissions folder: student ``s`` belongs to
shard ``int(sha256(s), 16) % N + 1`` (the UTF-8 bytes of the folder name, NFC as the grader reads
it), so every machine computes the same split from the same folder without talking to the others,
each student is graded exactly once, and a student keeps their shard when others are added or
removed. Malformed submissions are reported by the shard they fall in. Each machine works in its
own course folder (``--workdir``, released as usual) and writes there, next to the results,
``shard-<assignment>.json``: the shard, the number of shards and the students it holds.

``merge`` reads the course folders of all N shards into one course folder (released the same
way): it checks that the N shards are all there, of the same assignment and split, and that no
student appears twice; then it copies each student's result file, grading log and submitted copy,
writes the grading status, and records every score in the gradebook exactly as a single
``autograde`` run would. ``export``, ``grades``, ``feedback`` and ``manual-review`` then work on
the merged folder as on one run's. See ``assignments/README.md`` for a Slurm array job.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .common import STATUS_FILE, CourseworkError, require_release

MANIFEST = "shard-{assignment}.json"


def shard_of(student: str, count: int) -> int:
    """The shard (1..count) that grades ``student``."""
    key = unicodedata.normalize("NFC", student).encode("utf-8")
    return int(hashlib.sha256(key).hexdigest(), 16) % count + 1


@dataclass(frozen=True)
class Shard:
    index: int   # 1..count
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, student: str) -> bool:
        return shard_of(student, self.count) == self.index

    def select(self, by_student: dict) -> dict:
        """The entries of ``by_student`` (student id -> anything) that belong to this shard."""
        return {student: value for student, value in by_student.items() if self.holds(student)}


def parse_shard(text: str) -> Shard:
    """``"K/N"`` with 1 <= K <= N (an argparse type)."""
    parts = str(text).strip().split("/")
    try:
        index, count = (int(p) for p in parts)
        if len(parts) != 2 or not 1 <= index <= count:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--shard must be K/N with whole numbers 1 <= K <= N (e.g. 2/5 for the second of five); got {text!r}"
        ) from None
    return Shard(index, count)


def cmd_autograde(args) -> int:
    """``autograde``, limited to this machine's shard when ``--shard`` is given."""
    from .grade import cmd_autograde as grade_all

    code = grade_all(args)
    shard: Shard | None = getattr(args, "shard", None)
    if shard is not None:
        workdir = args.workdir.resolve()
        status = json.loads((workdir / STATUS_FILE).read_text(encoding="utf-8")).get(args.assignment, {})
        students = sorted(s for s in status if shard.holds(s))
        manifest = {"assignment": args.assignment, "shard": shard.index, "count": shard.count, "students": students}
        (workdir / MANIFEST.format(assignment=args.assignment)).write_text(
            json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        print(f"shard {shard}: {len(students)} student(s) of this share; merge the {shard.count} course folders "
              f"with `python -m coursework merge`")
    return code


def _read_manifest(folder: Path, assignment: str) -> dict:
    path = folder / MANIFEST.format(assignment=assignment)
    if not path.is_file():
        raise CourseworkError(f"{folder}: no {path.name}; grade it with `autograde --shard K/N` first")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("assignment") != assignment:
        raise CourseworkError(f"{path}: assignment {manifest.get('assignment')!r}, not {assignment!r}")
    return manifest


def cmd_merge(args) -> int:
    from .grade import RESULTS_DIR, record_in_gradebook, Assignment

    workdir: Path = args.workdir.resolve()
    require_release(workdir, args.assignment)
    folders = [Path(f).resolve() for f in args.shards]
    if workdir in folders:
        raise CourseworkError(f"the merged course folder {workdir} cannot also be one of the shards")
    manifests = [_read_manifest(folder, args.assignment) for folder in folders]
    counts = {m["count"] for m in manifests}
    if len(counts) != 1:
        raise CourseworkError(f"the shards were split differently (N = {sorted(counts)}); grade all with one N")
    count = counts.pop()
    seen: dict[int, Path] = {}
    for folder, manifest in zip(folders, manifests):
        if manifest["shard"] in seen:
            raise CourseworkError(f"shard {manifest['shard']}/{count} given twice: {seen[manifest['shard']]} and {folder}")
        seen[manifest["shard"]] = folder
    missing = [f"{k}/{count}" for k in range(1, count + 1) if k not in seen]
    if missing:
        raise CourseworkError(f"missing shard(s) {', '.join(missing)}: merge needs all {count} course folders")

    assignment = Assignment(workdir, args.assignment)
    status_path = workdir / STATUS_FILE
    all_status = json.loads(status_path.read_text(encoding="utf-8")) if status_path.is_file() else {}
    status = dict(all_status.get(args.assignment) or {})
    results = workdir / RESULTS_DIR / args.assignment
    results.mkdir(parents=True, exist_ok=True)
    owner: dict[str, Path] = {}
    merged = graded = 0
    for folder, manifest in sorted(zip(folders, manifests), key=lambda fm: fm[1]["shard"]):
        shard = Shard(manifest["shard"], count)
        shard_status = json.loads((folder / STATUS_FILE).read_text(encoding="utf-8")).get(args.assignment, {})
        for student in manifest["students"]:
            if not shard.holds(student):
                raise CourseworkError(f"{folder}: student {student!r} does not belong to shard {shard}")
            if student in owner:
                raise CourseworkError(f"student {student!r} is in two shards: {owner[student]} and {folder}")
            owner[student] = folder
            state = shard_status.get(student)
            if state is None:
                raise CourseworkError(f"{folder}: no grading status for {student!r}")
            status[student] = state
            merged += 1
            source = folder / RESULTS_DIR / args.assignment / f"{student}.json"
            target = results / f"{student}.json"
            if state != "ok":
                target.unlink(missing_ok=True)
                continue
            result = json.loads(source.read_text(encoding="utf-8"))
            shutil.copyfile(source, target)
            record_in_gradebook(workdir, assignment, student, result["tasks"])
            graded += 1
            for sub in (Path("submitted") / student / args.assignment, Path("logs") / "grading" / f"{student}.log"):
                if (folder / sub).is_dir():
                    shutil.copytree(folder / sub, workdir / sub, dirs_exist_ok=True)
                elif (folder / sub).is_file():
                    (workdir / sub).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(folder / sub, workdir / sub)
    all_status[args.assignment] = status
    status_path.write_text(json.dumps(all_status, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"merged {count} shard(s): {merged} student(s), {graded} graded, {merged - graded} not graded "
          f"(malformed or failed) into {workdir}")
    return 0
