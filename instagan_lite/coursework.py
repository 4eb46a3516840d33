"""The instructor build of the exercises: student notebooks with graded cells and hidden tests, and a grader.

It follows **nbgrader**'s conventions, so that a course already on nbgrader can take the notebooks as they
are, while a course without it needs nothing but this module:

* an answer cell carries ``metadata.nbgrader = {"solution": true, "grade_id": "<exercise>_answer", ...}``;
  the check cell after it is the graded cell: ``{"grade": true, "locked": true, "points": P,
  "grade_id": "<exercise>"}``;
* in the instructor's ``source`` notebooks the graded cell holds the visible check, then the hidden test
  between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``: the same check called with a secret seed,
  so that it draws inputs nobody has seen (a hard-coded value or a call to the library's own function fails);
* the ``release`` notebooks have the answers replaced by stubs, the hidden tests removed, and no link to
  the solved notebooks or to the repository that holds them.

nbgrader's conventions fit better than otter-grader's because the notebooks already mark answers with
``BEGIN SOLUTION`` / ``END SOLUTION`` and follow each answer with its check cell, which is exactly
nbgrader's answer cell + graded test cell; otter would need its own question and test-file layout.

The grader (:func:`grade`) does what nbgrader's ``autograde`` does, without its database or server: for each
submitted notebook it takes the learner's answer cells by ``grade_id``, puts back the graded cells of the
source (hidden tests included), runs the import cell, the answers and the graded cells in a fresh kernel,
and gives each graded cell its points if it ran without error. It writes a results table (CSV and
Markdown). The other cells of the notebook (demonstrations, training) are not run: an answer may use the
imports and the other answers, as the exercises ask.

    python -m instagan_lite.coursework build --out coursework --seed 31337        # make coursework
    python -m instagan_lite.coursework grade coursework/source SUBMISSIONS --out results   # make grade

``SUBMISSIONS`` holds one folder per learner with their notebooks (nbgrader's ``submitted/<learner>/``).
The grader needs ``nbclient`` and ``ipykernel``: ``pip install "instagan-lite[coursework]"``.
"""

from __future__ import annotations

import argparse
import copy
import csv
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
STUB = 'raise NotImplementedError("write your solution here")'
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
_BLOCK = re.compile(rf"^(?P<indent>[ \t]*){re.escape(BEGIN)}\n.*?^[ \t]*{re.escape(END)}\n", re.S | re.M)
_CHECK = re.compile(r"^check_(?P<name>\w+)\((?P<answer>\w+)\)\s*$")
_HIDDEN = re.compile(rf"\n?{re.escape(BEGIN_HIDDEN)}\n.*?{re.escape(END_HIDDEN)}\n?", re.S)
_NOTEBOOK_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\.ipynb\)")
_BADGE = re.compile(r"\[!\[Open In Colab\][^\n]*\n?")

POINTS = {
    "resnet_block": 2,
    "cyclegan_generator_loss": 3,
    "set_sum": 2,
    "set_discriminator": 2,
    "context_weight": 2,
    "context_loss": 2,
    "sequential_loop": 3,
    "aggregated_fake": 2,
    "generator_objective": 3,
}
"""Points per exercise (21 in all): 3 for the objectives and the loop, whose checks test gradient paths."""

COURSEWORK_NOTE = (
    "**Coursework version.** Write your answer in each cell that says `raise NotImplementedError`, then run "
    "the check cell after it: it says *passed* or what is wrong. Your work is graded by the same checks on "
    "inputs you have not seen, so an answer must compute its result, not remember it. Keep the cells where "
    "they are: the grader finds them by their metadata."
)


def strip_solutions(source: str) -> str:
    """``source`` with every marked solution replaced by a stub at the marker's indentation."""
    unmatched = source.count(BEGIN) - source.count(END)
    if unmatched:
        raise ValueError(f"{abs(unmatched)} unmatched solution marker(s)")
    return _BLOCK.sub(lambda m: f"{m['indent']}{STUB}\n", source)


def _nbgrader(**fields) -> dict:
    return {"schema_version": 3, "grade": False, "solution": False, "locked": False, **fields}


def _exercise_cells(notebook) -> dict[int, tuple[str, str]]:
    """Index of each answer cell and each check cell -> (exercise, the answer's name), from the check
    cells (a line ``check_<exercise>(<answer>)``) and the answer cell before each."""
    found: dict[int, tuple[str, str]] = {}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        for line in cell.source.splitlines():
            match = _CHECK.match(line)
            if match:
                found[index] = (match["name"], match["answer"])
                answer = next(i for i in range(index - 1, -1, -1) if BEGIN in notebook.cells[i].source)
                found[answer] = found[index]
    return found


def coursework_notebooks(source_path: Path, seed: int, points: dict[str, int] | None = None) -> tuple:
    """The instructor's (source) and the learners' (release) versions of a notebook source with exercises,
    or None when it has none. ``seed`` is the hidden tests' secret."""
    import jupytext
    import nbformat

    points = {**POINTS, **(points or {})}
    text = source_path.read_text()
    if BEGIN not in text:
        return None
    source = jupytext.reads(text, fmt="py:percent")
    source.metadata.pop("jupytext", None)
    roles = _exercise_cells(source)
    for index, cell in enumerate(source.cells):
        cell.id = f"cell-{index}"
        if cell.cell_type == "markdown":
            cell.source = _NOTEBOOK_LINK.sub(r"\1", _BADGE.sub("", cell.source))
        if index not in roles:
            continue
        name, answer = roles[index]
        if BEGIN in cell.source:
            cell.metadata["nbgrader"] = _nbgrader(solution=True, grade_id=f"{name}_answer")
        else:
            hidden = f"check_{name}({answer}, seed={seed + sum(map(ord, name))})"
            cell.source = f"{cell.source.rstrip()}\n{BEGIN_HIDDEN}\n{hidden}\n{END_HIDDEN}"
            cell.metadata["nbgrader"] = _nbgrader(grade=True, locked=True, grade_id=name, points=points[name])
    source.cells.insert(1, nbformat.v4.new_markdown_cell(COURSEWORK_NOTE, id="coursework-note"))
    release = copy.deepcopy(source)
    for cell in release.cells:
        if cell.cell_type == "code":
            cell.source = _HIDDEN.sub("", strip_solutions(cell.source + "\n")).rstrip("\n")
    return source, release


def build(notebooks: Path, out: Path, seed: int | None = None) -> tuple[list[Path], int]:
    """Write ``out/source/`` (the instructor's notebooks: solutions and hidden tests; keep private) and
    ``out/release/`` (the learners') for every notebook in ``notebooks`` that has exercises. Returns the
    release notebooks and the seed used (a random one when ``seed`` is None)."""
    import nbformat

    seed = secrets.randbelow(10**9) if seed is None else seed
    written = []
    for path in sorted(Path(notebooks).glob("[0-9][0-9]_*.py")):
        versions = coursework_notebooks(path, seed)
        if versions is None:
            continue
        for folder, notebook in zip(("source", "release"), versions, strict=True):
            target = Path(out) / folder / f"{path.stem}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(nbformat.writes(notebook) + "\n")
            if folder == "release":
                written.append(target)
    if not written:
        raise ValueError(f"no notebook with exercises in {notebooks}")
    return written, seed


@dataclass(frozen=True)
class Result:
    """One graded cell of one learner's notebook."""

    learner: str
    notebook: str
    exercise: str
    points: float
    max_points: float
    message: str


def _graded_notebook(source, submission):
    """The notebook the grader runs: the source's import cell, the learner's answer cells (by grade_id) and
    the source's graded cells, in the source's order."""
    import nbformat

    answers = {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in submission.cells
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    }
    cells = []
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if meta.get("solution"):
            cells.append(nbformat.v4.new_code_cell(answers.get(meta["grade_id"], STUB), metadata={"nbgrader": meta}))
        elif meta.get("grade") or ("from instagan_lite" in cell.source and "import" in cell.source):
            cells.append(nbformat.v4.new_code_cell(cell.source, metadata={"nbgrader": meta}))
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(source.metadata))
    for index, cell in enumerate(notebook.cells):
        cell.id = f"graded-{index}"
    return notebook


def _error_of(cell) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return f"{output.get('ename')}: {output.get('evalue')}"
    return None


def grade_notebook(source_path: Path, submission_path: Path, learner: str, timeout: int = 120) -> list[Result]:
    """Grade one submitted notebook against its source version (see the module docstring); a missing or
    unreadable submission scores 0 on every graded cell."""
    import nbformat
    from nbclient import NotebookClient

    source = nbformat.read(source_path, as_version=4)
    graded = [c.metadata["nbgrader"] for c in source.cells if c.metadata.get("nbgrader", {}).get("grade")]
    if not submission_path.exists():
        return [Result(learner, source_path.stem, m["grade_id"], 0.0, m["points"], "not submitted") for m in graded]
    try:
        submission = nbformat.read(submission_path, as_version=4)
    except Exception as err:  # not a notebook: every exercise scores 0
        why = f"the submission could not be read ({type(err).__name__})"
        return [Result(learner, source_path.stem, m["grade_id"], 0.0, m["points"], why) for m in graded]
    notebook = _graded_notebook(source, submission)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True)
    client.execute(cwd=str(source_path.parent))
    results = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade"):
            continue
        error = _error_of(cell)
        points = 0.0 if error else float(meta["points"])
        results.append(Result(learner, source_path.stem, meta["grade_id"], points, meta["points"], error or "passed"))
    return results


def grade(source_dir: Path, submissions: Path, out: Path | None = None, timeout: int = 120) -> list[Result]:
    """Grade every learner folder in ``submissions`` against the notebooks of ``source_dir``; a notebook
    missing from a folder scores 0. With ``out``, write ``out/results.csv`` (one row per graded cell) and
    ``out/results.md`` (a table of each learner's points per exercise and total)."""
    sources = sorted(Path(source_dir).glob("*.ipynb"))
    if not sources:
        raise ValueError(f"no source notebooks in {source_dir}: run `build` first")
    learners = sorted(p for p in Path(submissions).iterdir() if p.is_dir())
    if not learners:
        raise ValueError(f"no learner folders in {submissions} (expected {submissions}/<learner>/<notebook>.ipynb)")
    results: list[Result] = []
    for learner in learners:
        for source in sources:
            submitted = learner / source.name
            results += grade_notebook(source, submitted, learner.name, timeout)
    if out is not None:
        write_results(results, Path(out))
    return results


def write_results(results: list[Result], out: Path) -> None:
    """``out/results.csv`` and ``out/results.md`` from graded cells."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "results.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["learner", "notebook", "exercise", "points", "max_points", "message"])
        for r in results:
            writer.writerow([r.learner, r.notebook, r.exercise, r.points, r.max_points, r.message])
    exercises = list(dict.fromkeys(r.exercise for r in results))
    learners = list(dict.fromkeys(r.learner for r in results))
    total_max = sum(r.max_points for r in results if r.learner == learners[0])
    lines = ["| learner | " + " | ".join(exercises) + " | total |", "|---" * (len(exercises) + 2) + "|"]
    for learner in learners:
        mine = {r.exercise: r.points for r in results if r.learner == learner}
        cells = [f"{mine.get(e, 0):g}" for e in exercises]
        lines.append(f"| {learner} | " + " | ".join(cells) + f" | {sum(mine.values()):g} / {total_max:g} |")
    (out / "results.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m instagan_lite.coursework", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("build", help="write source/ (private) and release/ notebooks")
    make.add_argument("--notebooks", type=Path, default=Path("notebooks"), help="the notebook sources (.py)")
    make.add_argument("--out", type=Path, default=Path("coursework"))
    make.add_argument("--seed", type=int, default=None, help="the hidden tests' secret (default: random)")
    run = commands.add_parser("grade", help="grade a folder of learner folders")
    run.add_argument("source", type=Path, help="the build's source/ folder")
    run.add_argument("submissions", type=Path, help="one folder per learner, holding their notebooks")
    run.add_argument("--out", type=Path, default=Path("results"))
    run.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            written, seed = build(args.notebooks, args.out, args.seed)
            print(f"wrote {len(written)} release notebooks to {args.out / 'release'} (hidden-test seed {seed});")
            print(f"{args.out / 'source'} holds the solutions and hidden tests: keep it private")
        else:
            results = grade(args.source, args.submissions, args.out, args.timeout)
            print((args.out / "results.md").read_text(), end="")
            print(f"{len(results)} graded cells; results in {args.out / 'results.csv'}")
    except (ValueError, FileNotFoundError) as err:
        sys.exit(f"error: {err}")


if __name__ == "__main__":
    main()
