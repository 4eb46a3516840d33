"""Does the browser test catch the widget redraw race? A mutation check: ``make check-race``.

The widgets in ``instagan_lite/widgets.py`` draw every redraw on a private ``matplotlib.figure.Figure``
and send PNG bytes to an ``ipywidgets.Image``. This script puts back, for a while, the pattern they
replaced — each callback decorated with ``@output.capture(clear_output=True)``, the figure made with
pyplot and shown with ``plt.show()`` into an ``ipywidgets.Output`` — runs the browser test on the
notebooks that have widgets several times, restores ``widgets.py`` whatever happens, and prints how many
redraws came back good and bad in each run. The race is intermittent, so one run proves little.

    python scripts/check_browser_test_catches_race.py --runs 5            # the reverted pattern
    python scripts/check_browser_test_catches_race.py --runs 5 --baseline # the shipped widgets, same runs

It refuses to start if ``widgets.py`` has uncommitted changes (it restores the file with
``git checkout``). Logs and screenshots go to ``outputs/race_check/``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDGETS = ROOT / "instagan_lite" / "widgets.py"
WITH_WIDGETS = "00_ or 02_ or 03_ or 04_ or 05_"  # the notebooks that show widgets
CONTROL_LINE = re.compile(r"^[.FEsx]*\d\d_\S+ widget \d+, \w+ \d+: (.*)$")  # pytest may print "F" or "." first


def pyplot_pattern(source: str) -> str:
    """``widgets.py`` rewritten to draw with pyplot inside an Output widget (the race-prone pattern)."""
    s = source.replace("from matplotlib.figure import Figure", "import matplotlib.pyplot as plt")
    s = s.replace("\nimport torch\n", "\nimport matplotlib.pyplot as plt\nimport torch\n", 1)
    s = s.replace("Figure(figsize", "plt.figure(figsize")
    image = 'widgets.Image(format="png", layout=widgets.Layout(width="auto", height="auto", align_self="flex-start"))'
    if image not in s:
        raise SystemExit("widgets.py no longer builds its pictures as expected; update pyplot_pattern()")
    s = s.replace(image, 'widgets.Output(layout=widgets.Layout(width="auto", align_self="flex-start"))')
    lines, out = s.splitlines(), []
    for i, line in enumerate(lines):
        if line.strip() == "def draw(*_):":
            target = next(
                m.group(1) for later in lines[i + 1 :] if (m := re.match(r"\s*(\w+)\.value = figure_png\(", later))
            )
            out.append(f"{line[: len(line) - len(line.lstrip())]}@{target}.capture(clear_output=True)")
        m = re.match(r"(\s*)(\w+)\.value = figure_png\((.*)\)$", line)
        if m:
            out += [f"{m.group(1)}{m.group(3)}", f"{m.group(1)}plt.show()"]
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def run_once(label: str, folder: Path) -> dict:
    """One browser-test run on the widget notebooks; counts its good and bad redraws."""
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["BROWSER_SCREENSHOTS"] = str(folder / f"{label}_screenshots")
    command = [sys.executable, "-m", "pytest", "-p", "no:xdist", "tests_browser", "-s", "-q", "-k", WITH_WIDGETS]
    start = time.time()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    log = result.stdout + result.stderr
    (folder / f"{label}.log").write_text(log)
    outcomes = [m.group(1) for line in log.splitlines() if (m := CONTROL_LINE.search(line))]
    bad = [o for o in outcomes if o != "redrawn"]
    return {
        "rc": result.returncode,
        "seconds": time.time() - start,
        "good": len(outcomes) - len(bad),
        "bad": len(bad),
        "summary": log.strip().splitlines()[-1] if log.strip() else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="browser-test runs (default 3)")
    parser.add_argument("--baseline", action="store_true", help="run the shipped widgets instead")
    parser.add_argument("--out", type=Path, default=ROOT / "outputs" / "race_check", help="logs and screenshots")
    args = parser.parse_args()
    dirty = subprocess.run(["git", "diff", "--quiet", "--", str(WIDGETS)], cwd=ROOT).returncode
    if dirty and not args.baseline:
        raise SystemExit(f"{WIDGETS} has uncommitted changes; commit or stash them first")
    args.out.mkdir(parents=True, exist_ok=True)
    name = "baseline" if args.baseline else "pyplot"
    try:
        if not args.baseline:
            WIDGETS.write_text(pyplot_pattern(WIDGETS.read_text()))
        rows = [run_once(f"{name}_{i}", args.out) for i in range(1, args.runs + 1)]
    finally:
        if not args.baseline:
            subprocess.run(["git", "checkout", "--", str(WIDGETS)], cwd=ROOT, check=True)
    print(f"| {name} run | test exit code | redraws good | redraws bad | seconds | pytest says |")
    print("|---|---|---|---|---|---|")
    for i, row in enumerate(rows, 1):
        print(f"| {i} | {row['rc']} | {row['good']} | {row['bad']} | {row['seconds']:.0f} | {row['summary']} |")
    print(f"logs and screenshots: {args.out}")


if __name__ == "__main__":
    main()
