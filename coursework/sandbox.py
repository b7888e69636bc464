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


def run_nbgrader(workdir: Path, args: list[str], log_path: Path, limit: float | None = None) -> tuple[int, str]:
    """Run ``nbgrader ARGS`` in the course directory (see :func:`run_limited`)."""
    return run_limited([sys.executable, "-m", "nbgrader", *args], workdir, log_path, limit)


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


SERVER_FILES = ("student_server.py", "wire.py")
SANDBOX_DIR = "/opt/grader"
SANDBOX_UID_BASE = 200000  # unprivileged ids without a name; one per running sandbox


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


def sandbox_command(uid_slot: int, tmp_bytes: int = 64 * 2**20) -> list[str]:
    """The command that starts the student's side of grading inside a fresh sandbox."""
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
    python = [str(Path(sys.executable).absolute()), "-s", "-E", f"{SANDBOX_DIR}/student_server.py"]
    if os.geteuid() == 0:
        # bwrap keeps no capability for the sandbox except the two that setpriv needs to drop
        # to an unprivileged id; after the switch none is left (checked by the tests)
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            raise SandboxUnavailable("setpriv (util-linux) is required when grading as root")
        uid = str(SANDBOX_UID_BASE + uid_slot % 100000)
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
