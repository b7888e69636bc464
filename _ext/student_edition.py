"""Student edition of the book: drop every exercise solution when WEIGHTINIT_EDITION=student.

sphinx-exercise 1.2.1 has ``hide_solutions: true``, but it only works for the ``{solution}``
directive and crashes with gated solutions (``{solution-start}`` ... ``{solution-end}``,
sphinx-exercise issue #89). This extension removes solutions from the doctree instead:

* sphinx-exercise's transform ``MergeGatedSolutions`` (priority 10) turns every gated pair and
  the content between them into one ``solution_node``, during reading;
* our transform runs after it (priority 500) and before Sphinx collects labels into the domains
  (``SphinxDomains``, priority 850), removes every ``solution_node`` and any leftover
  ``solution_start_node``/``solution_end_node``, and forgets their ids and labels so that no
  cross-reference can point into a removed solution.

Exercises are left untouched. The page sources are not copied into the site (no ``_sources/``,
which would hold every solution), the theme's download button (links into ``_sources/``: the
``.md`` and the executed ``.ipynb``) and its launch buttons (which open the chapter source in the
repository) are switched off, and the repository and issue buttons go too. The chapter links of
``notebook_links`` then point at ``notebooks/student/``, notebooks without solutions.

Without the environment variable the extension does nothing.
Because the edition changes the doctrees, build the two editions into different output folders
(or with ``-E``), so that cached doctrees of one edition are not reused by the other.
"""

from __future__ import annotations

import os

from docutils import nodes
from sphinx.transforms import SphinxTransform

ENV_VAR = "WEIGHTINIT_EDITION"


def student_edition_requested() -> bool:
    return os.environ.get(ENV_VAR, "").strip().lower() == "student"


class RemoveSolutions(SphinxTransform):
    """Remove sphinx-exercise solutions (plain and gated) from the document."""

    default_priority = 500

    def apply(self, **kwargs) -> None:
        from sphinx_exercise.nodes import solution_end_node, solution_node, solution_start_node

        if not student_edition_requested():
            return
        removed_labels = set()
        kinds = (solution_node, solution_start_node, solution_end_node)
        for node in list(self.document.findall(lambda n: isinstance(n, kinds))):
            if node.parent is None:
                continue  # inside a solution removed earlier in this loop
            for inner in node.findall(nodes.Element):
                for node_id in inner.get("ids", []):
                    self.document.ids.pop(node_id, None)
                for name in inner.get("names", []):
                    self.document.nameids.pop(name, None)
                    self.document.nametypes.pop(name, None)
                    removed_labels.add(name)
                if inner.get("label"):
                    removed_labels.add(inner["label"])
            node.parent.remove(node)
        registry = getattr(self.env, "sphinx_exercise_registry", None)
        if isinstance(registry, dict):
            for label in removed_labels:
                entry = registry.get(label)
                if isinstance(entry, dict) and entry.get("type") == "solution":
                    del registry[label]


def student_config(app, config) -> None:
    """Switch off everything that would hand a student the full sources."""
    if not student_edition_requested():
        return
    config.html_copy_source = False
    config.html_show_sourcelink = False
    if config.html_theme != "sphinx_book_theme":
        return  # the buttons below are that theme's (another theme would reject the options)
    options = dict(config.html_theme_options or {})
    options.update(
        use_download_button=False,
        use_repository_button=False,
        use_issues_button=False,
        use_edit_page_button=False,
        use_source_button=False,
        launch_buttons={},
    )
    config.html_theme_options = options


def setup(app):
    app.setup_extension("sphinx_exercise")
    app.connect("config-inited", student_config)
    app.add_transform(RemoveSolutions)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
