"""The instructor build: release notebooks without solutions, source notebooks with hidden tests, and the
grader run end to end on three learners (the solutions, the stubs, and a mix of wrong answers)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest

from instagan_lite import coursework

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("coursework")
    coursework.build(NOTEBOOKS, out, seed=4242)
    return out


def cells(path: Path) -> list:
    return nbformat.read(path, as_version=4).cells


def test_release_has_stubs_no_solutions_no_links_to_them_and_no_hidden_tests(built):
    release = sorted((built / "release").glob("*.ipynb"))
    assert [p.stem for p in release] == [
        "01_cyclegan",
        "02_instance_aware_networks",
        "03_context_preserving_loss",
        "04_sequential_minibatch",
        "05_training_and_results",
    ]
    for path in release:
        text = path.read_text()
        for absent in ("BEGIN SOLUTION", "HIDDEN TESTS", "seed=4", ".ipynb)", "colab.research.google.com/github"):
            assert absent not in text, (path.name, absent)
        answers = [c for c in cells(path) if c.metadata.get("nbgrader", {}).get("solution")]
        assert answers and all(coursework.STUB in c.source for c in answers)
    assert "x + self.conv_block(x)" not in (built / "release" / "01_cyclegan.ipynb").read_text()


def test_graded_cells_carry_nbgrader_metadata_and_the_source_holds_the_hidden_tests(built):
    graded = {}
    for path in sorted((built / "source").glob("*.ipynb")):
        for cell in cells(path):
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                assert meta["locked"] and meta["schema_version"] == 3
                graded[meta["grade_id"]] = (meta["points"], cell.source)
    assert {k: v[0] for k, v in graded.items()} == coursework.POINTS and sum(coursework.POINTS.values()) == 21
    _, source = graded["set_sum"]
    assert source.splitlines()[-4:] == [
        "check_set_sum(set_sum)",
        coursework.BEGIN_HIDDEN,
        f"check_set_sum(set_sum, seed={4242 + sum(map(ord, 'set_sum'))})",
        coursework.END_HIDDEN,
    ]
    release = {
        c.metadata["nbgrader"]["grade_id"]: c.source
        for c in cells(built / "release" / "02_instance_aware_networks.ipynb")
        if c.metadata.get("nbgrader", {}).get("grade")
    }
    assert release["set_sum"].splitlines()[-1] == "check_set_sum(set_sum)"


# Wrong answers as a learner would type them: the solution's text with one slip.
SLIPS = {
    "resnet_block_answer": ("nn.ReflectionPad2d(1)", "nn.ZeroPad2d(1)"),
    "cyclegan_generator_loss_answer": ("cycle_loss(G_B(fake_y), x)", "cycle_loss(G_B(fake_y.detach()), x)"),
    "set_discriminator_answer": (
        "return D.classifier(torch.cat([D.feature_img(images), set_sum(D.feature_seg, masks)], 1))",
        "return D(images, masks)",
    ),
    "context_loss_answer": ("my_context_weight(a, b_fake)", "my_context_weight(a, b_fake).detach()"),
    "sequential_loop_answer": ("x = y.detach()", "x = y"),
    "generator_objective_answer": ("weights.cycle * cycle_loss", "weights.identity * cycle_loss"),  # λ_idt twice
}


def submission(built: Path, folder: Path, answers: str) -> None:
    """A learner's folder: the release notebooks with every answer cell filled as ``answers`` says
    ("stubs": as released; "solutions": the source's; "wrong": the source's with the slips above)."""
    folder.mkdir(parents=True)
    for path in sorted((built / "release").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        solved = {
            c.metadata["nbgrader"]["grade_id"]: c.source
            for c in cells(built / "source" / path.name)
            if c.metadata.get("nbgrader", {}).get("solution")
        }
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if answers != "stubs" and cell.metadata.get("nbgrader", {}).get("solution"):
                cell.source = solved[grade_id]
                if answers == "wrong" and grade_id in SLIPS:
                    old, new = SLIPS[grade_id]
                    assert old in cell.source
                    cell.source = cell.source.replace(old, new)
        nbformat.write(notebook, folder / path.name)


def test_grading_three_learners_end_to_end(built, tmp_path):
    """Solutions score 21/21, stubs 0, the slips lose exactly their exercises' points (6/21 left), each with
    its check's message; the results table and CSV are written. About a minute: 15 notebooks, each in a
    fresh kernel."""
    for learner in ("solutions", "stubs", "wrong"):
        submission(built, tmp_path / "submitted" / learner, learner)
    (tmp_path / "submitted" / "absent").mkdir()  # a learner who handed in nothing
    results = coursework.grade(built / "source", tmp_path / "submitted", tmp_path / "results")
    totals = {}
    for r in results:
        totals[r.learner] = totals.get(r.learner, 0) + r.points
    assert totals == {"absent": 0, "solutions": 21, "stubs": 0, "wrong": 6}
    wrong = {r.exercise: r for r in results if r.learner == "wrong"}
    lost = {name for name, r in wrong.items() if r.points == 0}
    assert lost == {slip.removesuffix("_answer") for slip in SLIPS}
    assert "padded with zeros" in wrong["resnet_block"].message
    assert "cycle term sends no gradient" in wrong["cyclegan_generator_loss"].message
    assert "calls D(images, masks) itself" in wrong["set_discriminator"].message
    # the slip detaches only the A → B term's weight (the B → A term calls my_context_weight(b, a_fake))
    assert "no gradient reaches the generated mask b' through w in the A → B term" in wrong["context_loss"].message
    assert "carries step 1's graph" in wrong["sequential_loop"].message
    assert "the cycle term is weighted by λ_idt" in wrong["generator_objective"].message
    assert all(r.message == "not submitted" for r in results if r.learner == "absent")
    rows = list(csv.DictReader(open(tmp_path / "results" / "results.csv")))
    assert len(rows) == 4 * 9
    table = (tmp_path / "results" / "results.md").read_text()
    assert "| solutions | 2 | 3 | 2 | 2 | 2 | 2 | 3 | 2 | 3 | 21 / 21 |" in table
    assert "| wrong | 0 | 0 | 2 | 0 | 2 | 0 | 0 | 2 | 0 | 6 / 21 |" in table
    assert "| absent | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 / 21 |" in table


def test_grade_refuses_an_empty_source_or_submissions_folder(tmp_path, capsys):
    with pytest.raises(SystemExit, match="no source notebooks"):
        coursework.main(["grade", str(tmp_path), str(tmp_path)])
    (tmp_path / "source").mkdir()
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "source" / "01.ipynb")
    (tmp_path / "subs").mkdir()
    with pytest.raises(SystemExit, match="no learner folders"):
        coursework.main(["grade", str(tmp_path / "source"), str(tmp_path / "subs")])


def test_an_unreadable_submission_scores_zero(built, tmp_path):
    bad = tmp_path / "01_cyclegan.ipynb"
    bad.write_text(json.dumps({"not": "a notebook"}))
    results = coursework.grade_notebook(built / "source" / "01_cyclegan.ipynb", bad, "learner")
    assert [(r.exercise, r.points) for r in results] == [("resnet_block", 0.0), ("cyclegan_generator_loss", 0.0)]
    assert all("could not be read" in r.message for r in results)
