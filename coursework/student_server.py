"""The student's side of grading; runs inside the bubblewrap sandbox, never in the grader.

It executes the student's code of one task at a time (each task in its own namespace) and then
answers calls of the task's functions with data (see ``wire.py``). The tests themselves run in the
grader's test process, which this process cannot see or reach: whatever the student's code does
here (rebinding builtins, patching NumPy, IPython hooks, printing) stays in this process.

Started as ``python student_server.py`` with the protocol on stdin/stdout; the student's own
output goes to a file in the sandbox's private /tmp.
"""

import os
import sys
import traceback


def _protocol_streams():
    proto_in = os.fdopen(os.dup(0), "rb", buffering=0)
    proto_out = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    out = os.open("/tmp/student-output.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    return proto_in, proto_out


class _NoIPython:
    """Stands in for ``get_ipython()``: magics (%timeit, !pip) do nothing while grading."""

    def run_line_magic(self, *args, **kwargs):
        return None

    def run_cell_magic(self, *args, **kwargs):
        return None

    def system(self, *args, **kwargs):
        return None

    def getoutput(self, *args, **kwargs):
        return []

    def __getattr__(self, name):
        raise AttributeError(f"get_ipython().{name} is not available while grading")


def _short_error(err: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(err), err)).strip().splitlines()
    return (text[-1] if text else type(err).__name__)[:300]


def main() -> None:
    proto_in, proto_out = _protocol_streams()
    import numpy as np

    import wire

    namespaces: dict = {}
    while True:
        try:
            message = wire.receive(proto_in)
        except EOFError:
            return
        op = message.get("op")
        if op == "load":
            ns = {"__name__": "__main__", "get_ipython": _NoIPython}
            errors = []
            try:
                exec(compile(message["setup"], "<setup>", "exec"), ns)
            except BaseException as err:  # noqa: BLE001 - reported to the grader
                errors.append(f"setup: {_short_error(err)}")
            for cell in message["cells"]:
                try:
                    exec(compile(cell["source"], f"<{cell['name']}>", "exec"), ns)
                except BaseException as err:  # noqa: BLE001 - a student error, reported
                    errors.append(f"{cell['name']}: {_short_error(err)}")
            namespaces[message["task"]] = ns
            wire.send(proto_out, {"ok": True, "errors": errors})
        elif op == "call":
            ns = namespaces.get(message["task"], {})
            reply: dict
            try:
                function = ns.get(message["name"])
                if not callable(function):
                    raise NameError(f"name {message['name']!r} is not defined")
                args = wire.decode(message["args"])
                kwargs = wire.decode(message["kwargs"])
                if message.get("np_global") is not None:
                    np.random.set_state(wire.decode(message["np_global"]))
                result = function(*args, **kwargs)
                # changes to array arguments stay here: the test keeps the instructor's inputs
                generators = [wire.encode(a) if isinstance(a, np.random.Generator) else None for a in args]
                generators_kw = {k: wire.encode(v) for k, v in kwargs.items() if isinstance(v, np.random.Generator)}
                reply = {"ok": True, "result": wire.encode(result),
                         "generators": generators, "generators_kw": generators_kw,
                         "np_global": wire.encode(np.random.get_state())}
            except BaseException as err:  # noqa: BLE001 - the test sees the exception type
                reply = {"ok": False, "exc_type": type(err).__name__, "message": _short_error(err),
                         "exc_mro": [cls.__name__ for cls in type(err).__mro__]}
            wire.send(proto_out, reply)
        else:
            wire.send(proto_out, {"ok": False, "exc_type": "RuntimeError", "message": "unknown operation"})


def _limit_processes() -> None:
    """Cap the processes and threads of this sandbox (argument 1) before any student code runs.
    Set here, inside the sandbox, because grading as a normal user puts the sandbox in a user
    namespace of its own, whose processes the kernel counts apart from the grader's: a limit set
    outside would count every process of the instructor's account (and of the other sandboxes)
    instead, and none set at all left a fork bomb free to fill the machine's process table."""
    if len(sys.argv) > 1:
        import resource

        limit = int(sys.argv[1])
        resource.setrlimit(resource.RLIMIT_NPROC, (limit, limit))


if __name__ == "__main__":
    _limit_processes()
    sys.setrecursionlimit(3000)
    main()
