"""Fans recomputed from their definition, independently of the library, for the tests."""

from __future__ import annotations

import math


def fans(shape, layout):
    """(fan_in, fan_out): channels times the receptive field (product of the kernel dims)."""
    if layout == "torch":  # (out, in, *kernel)
        rf = math.prod(shape[2:])
        return shape[1] * rf, shape[0] * rf
    rf = math.prod(shape[:-2])  # keras: (*kernel, in, out)
    return shape[-2] * rf, shape[-1] * rf
