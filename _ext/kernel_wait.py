"""Wait for kernel replies in short slices, so that a missed wake-up costs half a second, not the
cell timeout.

The build executes the chapters with nbclient, which waits for a cell's ``execute_reply`` with
one ``await shell_channel.get_msg(timeout=<rest of the cell timeout>)``
(``jupyter_client.channels.AsyncZMQSocketChannel``, jupyter_client 8.10). That call is a single
``zmq.asyncio`` poll: it returns when the event loop sees the socket's file descriptor signal,
or at the timeout, when it checks the socket once more (``zmq_poll`` with timeout 0). A ZeroMQ
socket's descriptor is edge-triggered: it signals that the socket's state *may* have changed,
and the signal is used up by whoever next reads the socket's events. About one build in ten,
the explorer cell of ``practice`` "finished" only when the cell timeout (120 s) expired, and
then counted as passed. Seen during such a stall (pyzmq 27.3.0, jupyter_client 8.10.0,
ipykernel 7.4.0): the kernel idle with every thread in ``select``, the client's event loop
waiting on the descriptors of two sockets whose event counters were empty, nothing queued on
any TCP connection; in an earlier stall the reply's own timestamp was 4 s after the cell
started. The reply had left the kernel, and the client was not woken for it. With the sliced
wait below, ``benchmarks/bench_stall.py`` ran practice 20 times without a stall (slowest run
66 s on a machine at load 10-16); without it, 1 of 20 runs waited the full 120 s.

``get_msg`` is replaced by the same wait cut into slices of ``SLICE`` seconds: each new slice
checks the socket again, so a reply that is already there is found at the next slice, and the
overall timeout is unchanged. Messages are received exactly as before (``_recv``), in the same
order; nothing else changes. ``install()`` is idempotent; the Sphinx extension installs it for
the build and ``benchmarks/bench_stall.py`` for its runs.
"""

from __future__ import annotations

import time

SLICE = 0.5  # seconds
_installed = False
# replies that were in the socket when a slice ended without the descriptor having signalled:
# each one is a wake-up that the unsliced wait would have missed (read by the benchmark)
rescued = 0


async def _get_msg_in_slices(self, timeout: float | None = None) -> dict:
    """Gets a message if there is one that is ready (waiting at most ``timeout`` seconds)."""
    from queue import Empty

    assert self.socket is not None
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        wait = SLICE if deadline is None else min(SLICE, max(0.0, deadline - time.monotonic()))
        # poll(0) checks once and returns; a positive timeout waits for the descriptor or the time
        start, start_wall = time.monotonic(), time.time()
        if await self.socket.poll(int(wait * 1000)):
            msg = await self._recv()
            # found only by the check at the end of the slice, and sent before the slice began:
            # the descriptor never signalled this message
            date = msg.get("header", {}).get("date")
            if wait > 0 and time.monotonic() - start >= wait * 0.98 and hasattr(date, "timestamp") \
                    and date.timestamp() < start_wall - 0.05:
                global rescued
                rescued += 1
            return msg
        if deadline is not None and time.monotonic() >= deadline:
            raise Empty


def install() -> None:
    """Replace ``AsyncZMQSocketChannel.get_msg`` (jupyter_client) with the sliced wait."""
    global _installed
    if _installed:
        return
    from jupyter_client.channels import AsyncZMQSocketChannel

    _get_msg_in_slices.__wrapped__ = AsyncZMQSocketChannel.get_msg
    AsyncZMQSocketChannel.get_msg = _get_msg_in_slices
    _installed = True


def setup(app):
    install()
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
