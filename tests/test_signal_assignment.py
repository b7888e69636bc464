"""The second assignment (assignments/source/signal_propagation.md) in process, without the grader:
the instructor's solution passes every test at several grading seeds, and each typical mistake
fails the hidden test of its task (so that the hidden tests check behaviour, not one number)."""

from __future__ import annotations

import warnings

import pytest

import coursework as cw

SOURCE_MD = cw.REPO / "assignments" / "source" / "signal_propagation.md"


@pytest.fixture(scope="module")
def cells():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = cw.build_source_notebook(SOURCE_MD)
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade_id")}


def run_cells(cells, seed, replace=None, last=None):
    """Run setup, solutions and tests in order; return {grade_id: error or None} of the tests.
    With ``last``, stop after that cell (the cells after it cannot change its outcome)."""
    replace = replace or {}
    namespace: dict = {}
    exec(cells["setup"], namespace)
    namespace["GRADING_SEED"] = seed
    outcome = {}
    for gid, source in cells.items():
        if gid == "setup":
            continue
        for old, new in replace.get(gid, []):
            assert old in source, f"{gid}: {old!r} not found"
            source = source.replace(old, new)
        try:
            exec(source, namespace)
        except Exception as err:  # noqa: BLE001 - a failing test is the outcome we record
            outcome[gid] = f"{type(err).__name__}: {err}"
        else:
            outcome[gid] = None
        if gid == last:
            break
    return outcome


@pytest.mark.parametrize("seed", [0, 7, 2**31 - 1])
def test_solution_passes_every_test(cells, seed, capsys):
    outcome = run_cells(cells, seed)
    failed = {gid: err for gid, err in outcome.items() if err}
    assert not failed, failed
    assert {gid for gid in outcome if gid.endswith("_hidden")} == {"task1_hidden", "task2_hidden", "task3_hidden"}


MISTAKES = [
    # the variance sigma_w2 used as a standard deviation
    ("task1_hidden", {"task1_solution": [("math.sqrt(sigma_w2 / n)", "sigma_w2 / math.sqrt(n)")]}),
    # the mean square of the activation below replaced by its variance
    ("task1_hidden", {"task1_solution": [("np.mean(z**2), np.mean(h**2)", "np.var(z), np.var(h)")]}),
    # a fresh generator on every call instead of the state of the one passed in
    ("task1_hidden", {"task1_solution": [("rng = np.random.default_rng(rng)",
                                          "rng = np.random.default_rng(0 if isinstance(rng, np.random.Generator) else rng)")]}),
    # chi1 with phi instead of its derivative
    ("task2_hidden", {"task2_solution": [("_, dphi = ACTIVATIONS[activation]", "dphi, _ = ACTIVATIONS[activation]")]}),
    # sigma_b2 forgotten in the length map
    ("task2_hidden", {"task2_solution": [("lambda z: phi(z) ** 2, q) + sigma_b2)", "lambda z: phi(z) ** 2, q))")]}),
    # a bracket without a root accepted silently
    ("task2_hidden", {"task2_solution": [("raise ValueError(f\"chi1 - 1", "return lo  # ValueError(f\"chi1 - 1")]}),
    # the ReLU derivative left out of the backward pass
    ("task3_hidden", {"task3_solution": [("grad_z = grad_h * (preacts[layer] > 0)", "grad_z = grad_h")]}),
    # the mean over samples forgotten in the gradient
    ("task3_hidden", {"task3_solution": [("grad_out = residual / m", "grad_out = residual")]}),
]


@pytest.mark.parametrize("hidden, replace", MISTAKES, ids=[f"{h}-{i}" for i, (h, _) in enumerate(MISTAKES)])
def test_hidden_tests_catch_typical_mistakes(cells, hidden, replace):
    outcome = run_cells(cells, 3, replace, last=hidden)
    assert outcome[hidden] is not None, f"{hidden} passed a wrong solution"
