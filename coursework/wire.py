"""Data-only messages between the grader's test process and a student's sandbox.

Values cross the sandbox boundary as JSON with tagged NumPy arrays, scalars and random
generators; nothing is pickled, so a message from the sandbox can carry data but never code.
Messages are framed as an 8-digit length followed by UTF-8 JSON.

This module is copied read-only into the sandbox; it imports only the standard library and NumPy.
"""

from __future__ import annotations

import base64
import json

import numpy as np

MAX_MESSAGE = 64 * 1024 * 1024  # bytes; a larger reply is refused as a protocol error
_ARRAY_KINDS = "biufc"  # bool, signed/unsigned int, float, complex: no objects, no strings


class WireError(Exception):
    """A value that cannot cross the boundary, or a malformed message."""


def encode(value, depth: int = 0):
    if depth > 20:
        raise WireError("value nested too deeply")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        if value.dtype.kind not in _ARRAY_KINDS:
            raise WireError(f"unsupported NumPy scalar type {value.dtype}")
        return {"__scalar__": value.dtype.str, "data": base64.b64encode(value.tobytes()).decode("ascii")}
    if isinstance(value, int):
        return {"__int__": str(int(value))} if abs(value) >= 2**53 else int(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return {"__float__": repr(float(value))}
        return float(value)
    if isinstance(value, complex):
        return {"__complex__": [value.real, value.imag]}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in _ARRAY_KINDS:
            raise WireError(f"unsupported array dtype {value.dtype}")
        data = np.ascontiguousarray(value)
        return {"__array__": data.dtype.str, "shape": list(data.shape),
                "data": base64.b64encode(data.tobytes()).decode("ascii")}
    if isinstance(value, np.random.Generator):
        return {"__generator__": encode(value.bit_generator.state, depth + 1)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, depth + 1) for v in value]}
    if isinstance(value, list):
        return [encode(v, depth + 1) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise WireError("dictionary keys must be strings")
        if any(k.startswith("__") for k in value):
            return {"__dict__": {k: encode(v, depth + 1) for k, v in value.items()}}
        return {k: encode(v, depth + 1) for k, v in value.items()}
    raise WireError(f"unsupported type {type(value).__name__}")


def decode(value, depth: int = 0):
    if depth > 40:
        raise WireError("value nested too deeply")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [decode(v, depth + 1) for v in value]
    if not isinstance(value, dict):
        raise WireError("malformed value")
    if "__array__" in value:
        dtype = np.dtype(value["__array__"])
        if dtype.kind not in _ARRAY_KINDS:
            raise WireError(f"unsupported array dtype {dtype}")
        shape = tuple(int(n) for n in value["shape"])
        data = base64.b64decode(value["data"])
        return np.frombuffer(data, dtype=dtype).reshape(shape).copy()
    if "__scalar__" in value:
        dtype = np.dtype(value["__scalar__"])
        if dtype.kind not in _ARRAY_KINDS:
            raise WireError(f"unsupported NumPy scalar type {dtype}")
        return np.frombuffer(base64.b64decode(value["data"]), dtype=dtype)[0]
    if "__int__" in value:
        return int(value["__int__"])
    if "__float__" in value:
        return float(value["__float__"])
    if "__complex__" in value:
        real, imag = value["__complex__"]
        return complex(float(real), float(imag))
    if "__tuple__" in value:
        return tuple(decode(v, depth + 1) for v in value["__tuple__"])
    if "__generator__" in value:
        state = decode(value["__generator__"], depth + 1)
        name = state.get("bit_generator") if isinstance(state, dict) else None
        if name not in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"):
            raise WireError("unsupported random generator")
        bit_generator = getattr(np.random, name)()
        bit_generator.state = state
        return np.random.Generator(bit_generator)
    if "__dict__" in value:
        return {str(k): decode(v, depth + 1) for k, v in value["__dict__"].items()}
    return {str(k): decode(v, depth + 1) for k, v in value.items()}


def send(stream, message: dict) -> None:
    data = json.dumps(message, ensure_ascii=True).encode("ascii")
    stream.write(b"%08d" % len(data) + data)
    stream.flush()


def read_exact(stream, n: int) -> bytes:
    chunks, remaining = [], n
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            raise EOFError("the other side closed the channel")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def receive(stream) -> dict:
    header = read_exact(stream, 8)
    if not header.isdigit():
        raise WireError("malformed message header")
    size = int(header)
    if size > MAX_MESSAGE:
        raise WireError("message too large")
    message = json.loads(read_exact(stream, size).decode("ascii"))
    if not isinstance(message, dict):
        raise WireError("malformed message")
    return message
