"""Write ``docs/cli.md``, the command-line reference, from the parser itself: ``make docs``.

Every verb with every flag, its default and its help text, exactly as ``python -m instagan_lite VERB
--help`` says them. ``tests/test_cli.py`` fails when the file is stale, so help and docs cannot drift.

    python scripts/cli_reference.py            # rewrite docs/cli.md
    python scripts/cli_reference.py --check    # exit 1 if docs/cli.md is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from instagan_lite.__main__ import build_parser

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "cli.md"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _flag_rows(parser: argparse.ArgumentParser) -> list[str]:
    rows = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction) or not action.option_strings:
            continue
        names = ", ".join(f"`{name}`" for name in action.option_strings)
        if action.choices and not isinstance(action, argparse.BooleanOptionalAction):
            names += " {" + ", ".join(str(c) for c in action.choices) + "}"
        elif action.nargs == "+":
            names += f" {action.metavar or action.dest.upper()} …"
        help_text = (action.help or "").replace("|", "\\|")
        rows.append(f"| {names} | {help_text} |")
    return rows


def reference() -> str:
    """The markdown reference of every verb."""
    parser = build_parser()
    verbs = _subparsers(parser)
    help_of = {a.dest: a.help for a in parser._subparsers._group_actions[0]._choices_actions}
    lines = [
        "# Command-line reference",
        "",
        "Generated from the parser by `python scripts/cli_reference.py` (`make docs`); a test fails when it is",
        "stale. `python -m instagan_lite --version` prints the version; `python -m instagan_lite VERB --help`",
        "prints the same text as below.",
        "",
    ]
    for verb, sub in verbs.items():
        lines += [f"## `python -m instagan_lite {verb}`", "", f"{help_of[verb]}.", ""]
        if sub.description:
            lines += [sub.description.strip(), ""]
        rows = _flag_rows(sub)
        if rows:
            lines += ["| flag | what it does (default) |", "|---|---|", *rows, ""]
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/cli.md is stale")
    args = parser.parse_args()
    text = reference()
    if args.check:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(f"{TARGET} is stale: run python scripts/cli_reference.py", file=sys.stderr)
            raise SystemExit(1)
        return
    TARGET.write_text(text)
    print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
