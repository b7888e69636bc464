"""``python -m coursework``: the instructor's command line."""

import sys

from .cli import main

sys.exit(main())
