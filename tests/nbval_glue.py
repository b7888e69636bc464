"""pytest plugin: compare glued figures the way nbval compares shown ones, i.e. not at all.

nbval leaves image/png out of its comparison (a PNG is not byte-stable across machines and
BLAS thread counts). ``myst_nb.glue`` stores the same PNG under papermill's record key, which
nbval does not know; this adds those keys to the list nbval skips. Everything a cell prints,
and the text form of every glued object, is still compared.
"""

from __future__ import annotations

from nbval.plugin import IPyNbFile

GLUED_IMAGES = (
    "application/papermill.record/image/png",
    "application/papermill.record/image/jpeg",
)


def pytest_collectstart(collector):
    if isinstance(collector, IPyNbFile):
        collector.skip_compare = tuple(collector.skip_compare) + GLUED_IMAGES
