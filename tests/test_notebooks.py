"""The notebooks' committed state: each .ipynb is its .py executed, without widget state, and badges
point at files that exist. (``make test`` also runs them all with ``pytest --nbval-lax``.)"""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def test_there_are_notebooks():
    assert [p.stem for p in SOURCES] == [
        "00_data_and_masks",
        "01_cyclegan",
        "02_instance_aware_networks",
        "03_context_preserving_loss",
        "04_sequential_minibatch",
        "05_training_and_results",
        "06_real_datasets",
    ]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_ipynb_matches_its_py(source):
    paired = source.with_suffix(".ipynb")
    assert paired.exists(), f"{paired.name} missing: run `make notebooks`"
    from_ipynb = jupytext.writes(jupytext.read(paired), fmt="py:percent")
    from_py = jupytext.writes(jupytext.read(source), fmt="py:percent")
    assert from_ipynb == from_py, f"{paired.name} is stale: run `make notebooks` after editing {source.name}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_ipynb_is_executed_and_clean(source):
    notebook = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    assert "widgets" not in notebook.metadata, "strip metadata.widgets (make notebooks does)"
    # the kernel `make lab` registers: JupyterLab opens the notebook without marking it modified
    assert notebook.metadata["kernelspec"] == {
        "display_name": "instagan-lite",
        "language": "python",
        "name": "instagan-lite",
    }
    assert "INSTAGAN_LITE_FAST" not in "".join(str(c.get("outputs", "")) for c in notebook.cells)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code if c.outputs), "outputs without execution counts"
    counts = [c.execution_count for c in code if c.execution_count is not None]
    assert counts == sorted(counts) and len(counts) >= len(code) - 1, "not executed top to bottom"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_colab_badge_points_at_the_notebook(source):
    links = re.findall(r"colab\.research\.google\.com/github/[^/]+/[^/]+/blob/main/([^)\s]+)", source.read_text())
    assert links == [f"notebooks/{source.stem}.ipynb"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_outputs_come_from_learner_mode(source):
    """The committed outputs are what a learner gets: the setup cell printed fast = False."""
    notebook = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    printed = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
    assert "'fast': False" in printed, f"{source.stem}.ipynb was executed in fast mode: run `make notebooks`"


def test_student_notebooks_are_in_sync_with_their_sources():
    from scripts.make_exercises import EXERCISES, expected

    wanted = expected()
    assert len(wanted) == 5  # notebooks 01-05 hold the exercises
    for path, text in wanted.items():
        assert path.exists() and path.read_text() == text, f"{path.name} is stale: run `make exercises`"
        assert "raise NotImplementedError" in text and "# BEGIN SOLUTION" not in text
    assert set(EXERCISES.glob("*.ipynb")) == set(wanted)


def test_every_exercise_check_appears_in_its_notebook():
    from instagan_lite.exercises import EXERCISES

    for stem, check in EXERCISES.values():
        source = (NOTEBOOKS / f"{stem}.py").read_text()
        assert f"{check.__name__}(" in source, f"{stem} does not call {check.__name__}"
