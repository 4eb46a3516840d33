"""Generate the student notebooks: ``make exercises``.

Each notebook source ``notebooks/NN_name.py`` holds the solution of every exercise between two marker
lines::

    # BEGIN SOLUTION
    ...the solution...
    # END SOLUTION

This script writes ``notebooks/exercises/NN_name.ipynb`` (no outputs) in which each solution is replaced
by a stub at the same indentation, ``raise NotImplementedError("write your solution here")``; the check
cell after it (from :mod:`instagan_lite.exercises`) then tells the learner "passed", or what is wrong.
Notebooks without exercises are skipped. ``tests/test_notebooks.py`` fails when the student notebooks
are out of sync with their sources.

    python scripts/make_exercises.py            # write notebooks/exercises/
    python scripts/make_exercises.py --check    # exit 1 if they are stale
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import jupytext
import nbformat

from instagan_lite.coursework import BEGIN, strip_solutions

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EXERCISES = NOTEBOOKS / "exercises"


def student_notebook(source: Path) -> nbformat.NotebookNode | None:
    """The student version of a notebook source, or None if it has no exercise."""
    text = source.read_text()
    if BEGIN not in text:
        return None
    notebook = jupytext.reads(strip_solutions(text), fmt="py:percent")
    notebook.cells.insert(
        1,
        nbformat.v4.new_markdown_cell(
            "**Student version.** The exercises' solutions are replaced by `raise NotImplementedError`; "
            "write yours, run the check cell after each, and compare with the full notebook "
            f"[`../{source.stem}.ipynb`](../{source.stem}.ipynb) when you are done."
        ),
    )
    notebook.metadata.pop("jupytext", None)
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"  # stable ids: the same source always gives the same file
        if cell.cell_type == "markdown":
            cell.source = _LINK.sub(_student_link, cell.source)
            cell.source = cell.source.replace(
                f"notebooks/{source.stem}.ipynb", f"notebooks/exercises/{source.stem}.ipynb"
            )
    return notebook


_LINK = re.compile(r"\]\((\d\d_\w+)\.ipynb\)")


def _student_link(match: re.Match) -> str:
    """A link to another notebook: its student version if it has exercises, else the full one (../)."""
    stem = match[1]
    has_exercises = BEGIN in (NOTEBOOKS / f"{stem}.py").read_text() if (NOTEBOOKS / f"{stem}.py").exists() else False
    return f"]({stem}.ipynb)" if has_exercises else f"](../{stem}.ipynb)"


def expected() -> dict[Path, str]:
    """Every student notebook's path and text."""
    out = {}
    for source in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py")):
        notebook = student_notebook(source)
        if notebook is not None:
            out[EXERCISES / f"{source.stem}.ipynb"] = nbformat.writes(notebook) + "\n"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if notebooks/exercises is stale")
    args = parser.parse_args()
    wanted = expected()
    present = set(EXERCISES.glob("*.ipynb"))
    if args.check:
        stale = [p for p, text in wanted.items() if not p.exists() or p.read_text() != text]
        stale += sorted(present - set(wanted))
        if stale:
            print("stale student notebooks: " + ", ".join(p.name for p in stale), file=sys.stderr)
            raise SystemExit(1)
        return
    EXERCISES.mkdir(exist_ok=True)
    for path in present - set(wanted):
        path.unlink()
    for path, text in wanted.items():
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
