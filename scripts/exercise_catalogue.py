"""Write docs/exercise_checks.md: every catalogued wrong answer to the notebooks' exercises and the message
its check answers with (the catalogue is tests/exercise_mistakes.py; tests/test_exercises.py asserts each
message and that this page is current).

    python scripts/exercise_catalogue.py            # rewrite docs/exercise_checks.md
    python scripts/exercise_catalogue.py --check    # exit 1 if it is stale
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from exercise_mistakes import CATALOGUE  # noqa: E402

from instagan_lite.exercises import EXERCISES, ExerciseError  # noqa: E402

TARGET = ROOT / "docs" / "exercise_checks.md"


def message(name: str, answer) -> str:
    """What the check of ``name`` says about ``answer`` (its ExerciseError, or a note that it passed)."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            EXERCISES[name][1](answer)
    except ExerciseError as err:
        return str(err).removeprefix(f"{name}: ")
    return "**passed** (the catalogue expects a failure: a bug in the check)"


def page() -> str:
    lines = [
        "# What the exercise checks catch",
        "",
        "Each exercise in notebooks 01–05 is followed by a check (`instagan_lite.exercises`). A check runs the",
        "learner's code on inputs whose right answer the library knows, compares the value and, where the",
        "lesson is a gradient path, the gradient into each network or tensor. When the answer is wrong it names",
        "the mistake without writing the fix. Below, every plausible wrong answer in the test catalogue",
        "(`tests/exercise_mistakes.py`) and the message its check gives; `tests/test_exercises.py` fails if a",
        "message stops naming its mistake, and `python scripts/exercise_catalogue.py` rewrites this page.",
        "",
    ]
    for name, answers in CATALOGUE.items():
        notebook = EXERCISES[name][0]
        lines += [f"## `{name}` ({notebook})", "", "| wrong answer | the check says |", "|---|---|"]
        for what, answer, _ in answers:
            text = message(name, answer).replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {what} | {text} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/exercise_checks.md is stale")
    args = parser.parse_args()
    text = page()
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != text:
            sys.exit(f"{TARGET.relative_to(ROOT)} is stale: run python scripts/exercise_catalogue.py")
        return
    TARGET.write_text(text)
    print(f"wrote {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
