"""``python -m coursework``: the instructor's command line."""

import sys

# Importing nbformat or nbgrader imports jsonschema, which loads the optional IRI format checker
# of rfc3987_syntax when installed (it builds a Lark grammar: 1.5 s of CPU, more than the rest
# of nbgrader's import). No command checks the format of an IRI (nbformat's validation uses no
# format checker), so it is left out and every command starts that much sooner.
sys.modules.setdefault("rfc3987_syntax", None)

from .cli import main  # noqa: E402

sys.exit(main())
