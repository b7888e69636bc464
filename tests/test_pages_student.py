"""Every page of the student edition in headless Chromium, one visit per page: the checks of
``tests/page_checks.py``."""

from __future__ import annotations

import pytest

from page_checks import *  # noqa: F401,F403  (the checks and their fixtures)


@pytest.fixture(scope="module")
def edition():
    return "student"
