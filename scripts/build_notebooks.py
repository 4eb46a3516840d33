"""Regenerate every executed notebook from its jupytext source: ``make notebooks``.

For each ``notebooks/NN_name.py`` (the source you edit) this writes ``notebooks/NN_name.ipynb``: the
cells of the ``.py``, executed top to bottom in a fresh kernel of this environment, with widget state
stripped from the metadata and the kernelspec of the ``instagan-lite`` kernel (``make lab``). Never edit
the ``.ipynb`` by hand.

    python scripts/build_notebooks.py                     # all notebooks, learner mode (what is committed)
    python scripts/build_notebooks.py notebooks/03_*.py   # some
    INSTAGAN_LITE_FAST=1 python scripts/build_notebooks.py  # fast mode (a quick check; do not commit)
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
# The kernel `make lab` registers (this environment); matching it exactly means opening a notebook in
# JupyterLab does not mark it modified. Execution here uses the current environment's python3 kernel.
KERNELSPEC = {"display_name": "instagan-lite", "language": "python", "name": "instagan-lite"}


def build(source: Path, timeout: int = 900) -> float:
    """Execute ``source`` (.py) into its paired .ipynb; returns the seconds taken."""
    notebook = jupytext.read(source)
    notebook.metadata["kernelspec"] = KERNELSPEC
    start = time.perf_counter()
    NotebookClient(
        notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(source.parent)}}
    ).execute()
    seconds = time.perf_counter() - start
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(notebook, source.with_suffix(".ipynb"))
    return seconds


def main(argv: list[str]) -> None:
    os.environ.setdefault("INSTAGAN_LITE_FAST", "0")  # the committed outputs come from learner mode
    os.environ.pop("MPLBACKEND", None)  # would remove every inline figure
    sources = [Path(a) for a in argv] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
    total = 0.0
    for source in sources:
        seconds = build(source.resolve())
        total += seconds
        print(f"{source.name:40s} {seconds:6.1f} s", flush=True)
    print(f"{'total':40s} {total:6.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
