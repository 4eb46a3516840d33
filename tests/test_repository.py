"""The repository stands alone: no tracked file links to a place a user who clones it does not have."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEXT_SUFFIXES = {".py", ".md", ".ipynb", ".json", ".toml", ".yml", ".yaml", ".cfg", ".txt", ".csv", ""}
# A markdown link or image: [text](target) / ![alt](target).
MARKDOWN_LINK = re.compile(r"\]\(([^)\s]+)\)")
# Paths of the machines this project is developed on, and the developers' notes beside the repository.
OUTSIDE = re.compile(r"(\.\./shared\b|/work/\w|/root/|/home/\w+/)")


def tracked_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    files = [ROOT / line for line in out.splitlines()]
    return [p for p in files if p.is_file() and p.suffix in TEXT_SUFFIXES and p.stat().st_size < 2_000_000]


def test_no_tracked_file_mentions_a_path_outside_the_repository():
    offenders = []
    for path in tracked_files():
        if path == Path(__file__).resolve():
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not offenders, "links outside the repository:\n" + "\n".join(offenders)


def test_relative_links_point_at_files_inside_the_repository():
    broken = []
    for path in tracked_files():
        # Markdown: the docs, the notebooks (and their jupytext sources), not code that writes markdown.
        if not (path.suffix in (".md", ".ipynb") or (path.suffix == ".py" and path.parent.name == "notebooks")):
            continue
        for target in MARKDOWN_LINK.findall(path.read_text(errors="replace")):
            target = target.split("#", 1)[0].strip("<>")
            if not target or re.match(r"^[a-z][a-z0-9+.-]*:", target):  # anchors, http:, https:, mailto:
                continue
            resolved = (path.parent / target).resolve()
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                broken.append(f"{path.relative_to(ROOT)} -> {target}")
    assert not broken, "relative links that do not resolve inside the repository:\n" + "\n".join(broken)
