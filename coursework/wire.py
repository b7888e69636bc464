"""Data-only messages between the grader's test process and a student's sandbox.

Values cross the sandbox boundary as JSON with tagged NumPy arrays, scalars and random
generators; nothing is pickled, so a message from the sandbox can carry data but never code.
Messages are framed as an 8-digit length followed by ASCII JSON.

What crosses is what an answer can reasonably return in one Jupyter process: Python numbers,
strings, None, lists, tuples and string-keyed dicts of them; NumPy arrays and scalars of every
built-in dtype (numbers, booleans, ``str_``/``bytes_``, datetimes; 0-d arrays included, e.g. what
``np.where`` returns); and random generators with their whole state, including the
``SeedSequence`` that ``Generator.spawn`` draws children from. Objects, structured (void)
dtypes and anything else are refused with a message saying what to return instead.

A message may hold at most :data:`MAX_VALUES` JSON values (arrays travel as one base64 string
each) besides its :data:`MAX_MESSAGE` bytes, so decoding a reply never costs the receiver more
than a small multiple of the message's size.

This module is copied read-only into the sandbox; it imports only the standard library and NumPy.
"""

from __future__ import annotations

import base64
import json

import numpy as np

MAX_MESSAGE = 64 * 1024 * 1024  # bytes; a larger reply is refused as a protocol error
# JSON values (list items, dict entries) in one message; a larger one is refused before it is
# parsed: 12 million tiny dicts fit in 48 MB and would cost the receiver gigabytes as objects
MAX_VALUES = 1_000_000
# bool, signed/unsigned int, float, complex, str_, bytes_, datetime64, timedelta64: every
# built-in dtype whose bytes are plain data (no objects, no structured records)
_ARRAY_KINDS = "biufcUSMm"
_RETURN_HINT = "return numbers, strings, lists, tuples, dicts or NumPy arrays of numbers or strings"


class WireError(Exception):
    """A value that cannot cross the boundary, or a malformed message."""


def encode(value, depth: int = 0):
    if depth > 20:
        raise WireError("value nested too deeply")
    if isinstance(value, np.generic):  # before str: np.str_ is a str and stays an np.str_
        if value.dtype.kind not in _ARRAY_KINDS:
            raise WireError(f"unsupported NumPy scalar type {value.dtype} ({_RETURN_HINT})")
        return {"__scalar__": value.dtype.str, "data": base64.b64encode(value.tobytes()).decode("ascii")}
    if value is None or isinstance(value, (bool, str)):
        return value
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
            raise WireError(f"unsupported array dtype {value.dtype} ({_RETURN_HINT})")
        data = np.asarray(value, order="C")  # np.ascontiguousarray would make a 0-d array 1-d
        return {"__array__": data.dtype.str, "shape": list(data.shape),
                "data": base64.b64encode(data.tobytes()).decode("ascii")}
    if isinstance(value, np.random.Generator):
        message = {"__generator__": encode(value.bit_generator.state, depth + 1)}
        seed_seq = getattr(value.bit_generator, "seed_seq", None)
        if isinstance(seed_seq, np.random.SeedSequence):
            message["seed_seq"] = encode_seed_sequence(seed_seq)
        return message
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
    raise WireError(f"unsupported type {type(value).__name__} ({_RETURN_HINT})")


def encode_seed_sequence(seed_seq: "np.random.SeedSequence") -> dict:
    entropy = seed_seq.entropy
    return {"entropy": [str(int(e)) for e in entropy] if isinstance(entropy, (list, tuple, np.ndarray))
            else str(int(entropy)),
            "spawn_key": [str(int(k)) for k in seed_seq.spawn_key], "pool_size": int(seed_seq.pool_size),
            "n_children_spawned": int(seed_seq.n_children_spawned)}


def _bounded_int(text, bits: int = 4096) -> int:
    if not isinstance(text, (str, int)) or isinstance(text, bool) or len(str(text)) > bits // 3:
        raise WireError("malformed seed sequence")
    number = int(text)
    if number < 0 or number.bit_length() > bits:
        raise WireError("malformed seed sequence")
    return number


def decode_seed_sequence(value) -> "np.random.SeedSequence":
    try:
        entropy = value["entropy"]
        entropy = ([_bounded_int(e) for e in entropy[:64]] if isinstance(entropy, list) else _bounded_int(entropy))
        spawn_key = tuple(_bounded_int(k, 64) for k in value["spawn_key"][:64])
        pool_size = int(value["pool_size"])
        children = _bounded_int(value["n_children_spawned"], 64)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise WireError("malformed seed sequence") from None
    if not 4 <= pool_size <= 64:
        raise WireError("malformed seed sequence")
    return np.random.SeedSequence(entropy, spawn_key=spawn_key, pool_size=pool_size, n_children_spawned=children)


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
        if dtype.kind in "US" and dtype.itemsize == 0:
            raise WireError(f"unsupported array dtype {dtype}")
        shape = tuple(int(n) for n in value["shape"])
        data = base64.b64decode(value["data"])
        return np.frombuffer(data, dtype=dtype).reshape(shape).copy()
    if "__scalar__" in value:
        dtype = np.dtype(value["__scalar__"])
        if dtype.kind not in _ARRAY_KINDS:
            raise WireError(f"unsupported NumPy scalar type {dtype}")
        data = base64.b64decode(value["data"])
        if dtype.itemsize == 0:  # the empty np.str_ or np.bytes_
            return dtype.type()
        return np.frombuffer(data, dtype=dtype)[0]
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
        # the seed sequence too: Generator.spawn draws its children from it, so a generator
        # rebuilt with a fresh one would spawn different streams on every call
        seed_seq = decode_seed_sequence(value["seed_seq"]) if "seed_seq" in value else None
        bit_generator = getattr(np.random, name)(seed_seq)
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
    return parse(read_exact(stream, size))


def parse(data: bytes) -> dict:
    """One message body: ASCII JSON holding at most :data:`MAX_VALUES` values (counted before
    parsing, so a reply of millions of tiny objects is refused at the cost of one scan)."""
    values = data.count(b",") + data.count(b"[") + data.count(b"{")
    if values > MAX_VALUES:
        raise WireError(f"reply holds more than {MAX_VALUES} values; return a NumPy array instead of a long list")
    message = json.loads(data.decode("ascii"))
    if not isinstance(message, dict):
        raise WireError("malformed message")
    return message
