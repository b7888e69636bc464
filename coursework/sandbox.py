"""Running grading processes: the bubblewrap sandbox in which a student's code runs, the
environment and resource limits it gets, and the wall-clock limit that kills a runaway
process group.

The sandbox (Debian's ``bubblewrap``) sees a read-only view of the system's ``/usr``, the Python
installation and the two files of the student's side of grading (``student_server.py``,
``wire.py``), a private size-limited ``/tmp`` and nothing else: no network, no repository, no
gradebook, no other submission, no hidden test, no instructor secret (the environment is
cleared). It has its own process namespace and dies with its parent. When the grader runs as
root, the code inside runs as an unprivileged user id of its own, so the process limit holds.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path


def nbgrader_env() -> dict[str, str]:
    """Environment for nbgrader: its virtualenv's bin/ first on PATH (alembic, kernel python)."""
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    # one BLAS thread per kernel: on a busy machine threaded BLAS was 5-30x slower here, which
    # pushes honest cells towards the per-cell timeout
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    return env


# ``python -m nbgrader`` without jsonschema's optional IRI format checker, as in coursework/__main__.py
# (building its grammar costs over a second of CPU at every start; nbgrader never checks an IRI)
NBGRADER_MAIN = ("import runpy, sys; sys.modules.setdefault('rfc3987_syntax', None); "
                 "runpy.run_module('nbgrader', run_name='__main__', alter_sys=True)")


def run_nbgrader(workdir: Path, args: list[str], log_path: Path, limit: float | None = None) -> tuple[int, str]:
    """Run ``nbgrader ARGS`` in the course directory (see :func:`run_limited`)."""
    return run_limited([sys.executable, "-c", NBGRADER_MAIN, *args], workdir, log_path, limit)


def run_limited(command: list[str], cwd: Path, log_path: Path, limit: float | None = None) -> tuple[int, str]:
    """Run ``command`` with its output in ``log_path``; after ``limit`` seconds kill its whole
    process group (nbgrader and the kernels it started) and return -9."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            command,
            cwd=cwd,
            env=nbgrader_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            code = proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = -9
    return code, log_path.read_text(encoding="utf-8", errors="replace")


def sandbox_launch_env() -> dict[str, str]:
    """The whole environment of the bwrap process that starts a sandbox. bwrap itself stays inside
    as the sandbox's process 1, whose ``/proc/1/environ`` the student's code can read when both
    run under the same user id (grading as a normal user), so it gets only a PATH: no instructor
    secret, no home folder, no token of the grader's shell."""
    return {"PATH": "/usr/bin:/bin"}


SERVER_FILES = ("student_server.py", "wire.py")
SANDBOX_DIR = "/opt/grader"
# processes and threads a sandbox may hold: answers need one, and since each process may use the
# whole memory limit, a fork bomb that allocates in every child is bounded by this many times it
SANDBOX_PROCESSES = 4
SANDBOX_UID_BASE = 200000  # unprivileged ids without a name; one per running test process


class SandboxUnavailable(Exception):
    """bubblewrap is missing or cannot create a sandbox here."""


def bwrap_path() -> str:
    path = shutil.which("bwrap")
    if path is None:
        raise SandboxUnavailable(
            "bubblewrap (bwrap) is required to grade submissions: sudo apt-get install bubblewrap"
        )
    return path


def _system_binds() -> list[str]:
    args: list[str] = []
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        path = Path(top)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), top]
        elif path.is_dir():
            args += ["--ro-bind", top, top]
    if Path("/etc/ld.so.cache").is_file():
        args += ["--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    prefixes = sorted({Path(sys.base_prefix).resolve(), Path(sys.prefix).absolute()})
    prefixes = [p for p in prefixes if not str(p).startswith("/usr/")]
    # bwrap would create the folders above a mount point readable by root only
    parents = sorted({parent for p in prefixes for parent in p.parents if str(parent) != "/"}, key=lambda q: len(q.parts))
    for parent in parents:
        args += ["--perms", "0755", "--dir", str(parent)]
    for prefix in prefixes:
        args += ["--ro-bind", str(prefix), str(prefix)]
    return args


def sandbox_command(uid_slot: int, tmp_bytes: int = 64 * 2**20, processes: int = 64) -> list[str]:
    """The command that starts the student's side of grading inside a fresh sandbox.

    ``uid_slot`` (the test process's id, unique among running processes) picks the sandbox's own
    user id when grading as root; ``processes`` caps the processes and threads of the student's
    code, which the student's side sets on itself before it runs any of that code."""
    here = Path(__file__).resolve().parent
    args = [bwrap_path(), *_system_binds(), "--perms", "0755", "--dir", SANDBOX_DIR]
    for name in SERVER_FILES:
        args += ["--ro-bind", str(here / name), f"{SANDBOX_DIR}/{name}"]
    args += [
        "--proc", "/proc", "--dev", "/dev",
        "--perms", "1777", "--size", str(int(tmp_bytes)), "--tmpfs", "/tmp",
        "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
        "--die-with-parent", "--new-session", "--clearenv",
        "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp", "--setenv", "LANG", "C.UTF-8",
        "--setenv", "MPLBACKEND", "Agg", "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
        "--chdir", "/tmp",
    ]
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        args += ["--setenv", name, "1"]
    python = [str(Path(sys.executable).absolute()), "-s", "-E", f"{SANDBOX_DIR}/student_server.py", str(int(processes))]
    if os.geteuid() == 0:
        # bwrap keeps no capability for the sandbox except the two that setpriv needs to drop
        # to an unprivileged id; after the switch none is left (checked by the tests)
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            raise SandboxUnavailable("setpriv (util-linux) is required when grading as root")
        # the process id itself, not a remainder: two test processes running at once never share
        # an id (pid_max is at most 2**22), so no sandbox counts against another's process limit
        uid = str(SANDBOX_UID_BASE + uid_slot)
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--", setpriv,
                 f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                 "--bounding-set=-all", *python]
    else:
        args += ["--unshare-user", "--", *python]
    return args


def limit_resources(memory_bytes: int, cpu_seconds: int, processes: int):
    """A preexec function setting the sandbox's resource limits (inherited across exec)."""

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 2**20, 64 * 2**20))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if os.geteuid() == 0:  # counted for the sandbox's own user id (see sandbox_command)
            resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))

    return apply


# kernel settings that decide whether a normal user may create the user namespace bwrap needs,
# with the value each must have
USERNS_SETTINGS = (
    ("/proc/sys/kernel/unprivileged_userns_clone", "kernel.unprivileged_userns_clone", lambda v: v != "0", "1"),
    ("/proc/sys/user/max_user_namespaces", "user.max_user_namespaces", lambda v: v != "0", "> 0"),
    ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "kernel.apparmor_restrict_unprivileged_userns",
     lambda v: v == "0", "0, or an AppArmor profile that allows bwrap"),
)


def userns_blockers() -> list[str]:
    """The kernel settings of this host that forbid unprivileged user namespaces (empty: none)."""
    found = []
    for path, name, allowed, wanted in USERNS_SETTINGS:
        try:
            value = Path(path).read_text().strip()
        except OSError:
            continue  # the setting does not exist on this kernel: it forbids nothing
        if not allowed(value):
            found.append(f"{name} = {value} (needs {wanted})")
    return found


def check_sandbox(memory_bytes: int = 2 * 2**30, processes: int = SANDBOX_PROCESSES, timeout: float = 60.0) -> None:
    """Start one empty sandbox exactly as grading does (memory limit included) and raise
    :class:`SandboxUnavailable`, naming what is missing, when it cannot start. Without this check
    a host that forbids the sandbox, or a memory limit too small for Python and NumPy, would fail
    every test of every student, i.e. grade the whole class 0."""
    command = sandbox_command(os.getpid(), processes=processes)
    try:
        proc = subprocess.run(command, env=sandbox_launch_env(), stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout,
                              preexec_fn=limit_resources(memory_bytes, 60, processes))
    except subprocess.TimeoutExpired:
        raise SandboxUnavailable(f"채점 샌드박스가 {timeout:.0f} 초 안에 시작되지 않았습니다 "
                                 f"(the grading sandbox did not start within {timeout:.0f} s)") from None
    if proc.returncode == 0:
        return
    detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    if not (detail and detail[-1].startswith(("bwrap", "setpriv"))):
        # bwrap and setpriv say what failed; silence means Python itself failed inside
        raise SandboxUnavailable(
            "채점 샌드박스는 만들어졌지만 그 안에서 Python 이 시작되지 못해 채점하지 않았습니다 "
            f"(종료 코드 {proc.returncode}): 메모리 한도(--memory-mb {memory_bytes // 2**20})가 Python 과 NumPy 에 "
            "너무 작거나, 샌드박스 안에서 Python 설치를 읽을 수 없습니다 / the grading sandbox started but Python "
            f"failed inside it (exit {proc.returncode}), nothing was graded: the memory limit may be too small "
            f"for Python and NumPy, or the Python installation ({Path(sys.executable).absolute()}) is not "
            "readable inside it.")
    lines = [
        "채점 샌드박스(bubblewrap)를 만들 수 없어 채점하지 않았습니다 / "
        "cannot create the grading sandbox (bubblewrap), nothing was graded.",
        detail[-1],
    ]
    if os.geteuid() == 0:
        lines.append("root 로 채점할 때 bwrap 은 namespace 를 만들 권한(CAP_SYS_ADMIN)이 필요합니다; 컨테이너라면 "
                     "그 권한 없이 시작된 것입니다 / as root, bwrap needs CAP_SYS_ADMIN to create namespaces "
                     "(a container started without it cannot).")
    else:
        blockers = userns_blockers()
        lines.append(
            "일반 사용자로 채점하려면 커널이 비특권 사용자 네임스페이스(unprivileged user namespaces)를 허용해야 "
            "합니다 / grading as a normal user needs unprivileged user namespaces: "
            + ("; ".join(blockers) if blockers else
               "no kernel setting of this host forbids them, so look for a seccomp filter or a container policy")
            + ". 관리자에게 설정을 바꿔 달라고 하거나 root 로 채점하세요 / ask the administrator to change it, "
            "or grade as root.")
    raise SandboxUnavailable("\n".join(lines))
