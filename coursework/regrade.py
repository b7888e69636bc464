"""Regrading one student: the same autograde run on that student's folder alone.

Other students' results, grades and graded copies are not touched (autograde replaces only the
students of its batch). Hand-given points survive when the written answer is unchanged.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .common import CourseworkError


def cmd_regrade(args) -> int:
    from .grade import cmd_autograde

    folder = args.submissions / args.student
    if not folder.is_dir():
        raise CourseworkError(f"no submission folder {folder}")
    with tempfile.TemporaryDirectory(prefix="regrade-") as tmp:
        batch = Path(tmp) / "submissions"
        batch.mkdir()
        # symlinks stay symlinks, so that autograde refuses them as it does in the folder itself
        shutil.copytree(folder, batch / args.student, symlinks=True)
        args.submissions = batch
        return cmd_autograde(args)
