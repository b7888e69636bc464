#!/usr/bin/env python
"""Compatibility entry point: ``python scripts/coursework.py ...`` runs ``python -m coursework ...``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coursework.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
