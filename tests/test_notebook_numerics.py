"""What nbval compares must not depend on the CPU: the same outputs under other floating-point numerics.

``make test`` runs every notebook with nbval (``--nbval-lax``): the cells marked ``# NBVAL_CHECK_OUTPUT``
must print what the committed ``.ipynb`` shows. The committed outputs come from learner mode on 2 threads
of one CPU; nbval re-runs them in fast mode on 1 thread of the same kind of CPU. A digit that depends on
the order of a floating-point sum (the CPU's vector width, the thread count, the convolution backend) then
passes here and fails on a user's machine.

This test runs the compared cells (and every cell before them) in fast mode under numerics that differ
from both of those runs:

* ``ATEN_CPU_CAPABILITY=default``: torch's scalar kernels instead of the AVX2 / AVX-512 ones (another
  vector width, so other partial sums);
* ``torch.backends.mkldnn.enabled = False``: convolutions through torch's own im2col + GEMM path instead of
  oneDNN's;
* one thread, like nbval's run, so that it does not crowd the other pytest worker (the committed outputs
  come from 2 threads: that difference is covered by comparing with them).

and asserts that each compared cell's outputs, sanitized exactly as nbval sanitizes them, equal the
committed ones. Together with nbval's own run, the compared outputs are then the same under three
numerically different settings.
"""

from __future__ import annotations

import configparser
import os
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from instagan_lite.notebook import stable_text

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SANITIZE_CONFIG = ROOT / "tests" / "nbval_sanitize.cfg"
MARKER = "NBVAL_CHECK_OUTPUT"

# Settings that change floating-point summation order without changing any result beyond rounding.
PERTURBED_ENV = {"ATEN_CPU_CAPABILITY": "default", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
PERTURBED_STARTUP = "import torch\ntorch.backends.mkldnn.enabled = False\n"
# The last cell proves the perturbation took effect in the kernel.
PROBE = (
    "import torch\n"
    "print(torch.backends.cpu.get_cpu_capability(), torch.backends.mkldnn.enabled, torch.get_num_threads())"
)
PROBE_EXPECTED = "DEFAULT False 1"

# What nbval leaves out of the comparison (its defaults, images, and stderr: see conftest.py).
SKIPPED_KEYS = {"image/png", "image/jpeg", "application/vnd.jupyter.widget-view+json"}


def sanitize_patterns(path: Path = SANITIZE_CONFIG) -> list[tuple[re.Pattern, str]]:
    """The (regex, replacement) pairs of nbval's ``--nbval-sanitize-with`` file, in file order."""
    parser = configparser.ConfigParser()
    parser.read(path)
    return [(re.compile(parser[s]["regex"]), parser[s]["replace"]) for s in parser.sections()]


def comparable(outputs: list[dict], patterns: list[tuple[re.Pattern, str]]) -> dict[str, list[str]]:
    """A cell's outputs as nbval compares them: stdout joined into one text, every other MIME type of
    the displayed results by key (images, widget views and stderr left out), each text sanitized."""

    def clean(text: str) -> str:
        for regex, replacement in patterns:
            text = regex.sub(replacement, text)
        return text

    compared: dict[str, list[str]] = {}
    stdout = "".join(o["text"] for o in outputs if o["output_type"] == "stream" and o["name"] == "stdout")
    if stdout:
        compared["stdout"] = [clean(stdout)]
    for output in outputs:
        if output["output_type"] in ("execute_result", "display_data"):
            for key, value in output["data"].items():
                if key not in SKIPPED_KEYS:
                    text = value if isinstance(value, str) else "".join(value)
                    compared.setdefault(key, []).append(clean(text))
        if output["output_type"] == "error":
            compared.setdefault("error", []).append(f"{output['ename']}: {output['evalue']}")
    return compared


def compared_cell_indices(notebook: nbformat.NotebookNode) -> list[int]:
    """Indices of the code cells nbval compares under ``--nbval-lax``."""

    def marked(source: str) -> bool:  # nbval's rule: a comment line that is exactly the marker
        lines = (line.strip() for line in source.splitlines())
        return any(line.startswith("#") and line.lstrip("#").strip() == MARKER for line in lines)

    return [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code" and marked(cell.source)]


def run_perturbed(notebook: nbformat.NotebookNode, workdir: Path) -> nbformat.NotebookNode:
    """Execute ``notebook`` up to its last compared cell in fast mode under the perturbed numerics, with
    the probe cell appended; returns the executed copy."""
    last = compared_cell_indices(notebook)[-1]
    run = nbformat.v4.new_notebook(metadata=notebook.metadata)
    run.cells = [nbformat.from_dict(dict(c)) for c in notebook.cells[: last + 1]]
    run.cells.append(nbformat.v4.new_code_cell(PROBE))
    ipython_dir = workdir / "ipython"
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-perturbed-numerics.py").write_text(PERTURBED_STARTUP)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # MPLBACKEND would drop the figures
    env.update(PERTURBED_ENV, INSTAGAN_LITE_FAST="1", IPYTHONDIR=str(ipython_dir))
    env["INSTAGAN_LITE_OUTPUTS"] = str(workdir / "outputs")
    client = NotebookClient(
        run,
        timeout=600,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(ROOT / "notebooks")}},
    )
    client.execute(env=env)
    return run


def test_stable_text_rounds_and_refuses_a_digit_the_cpu_decides():
    assert stable_text(18.3472) == "18.347"
    assert stable_text(0.0372, decimals=2) == "0.04"
    assert stable_text(-2.0) == "-2.000"
    assert stable_text(0.0) == stable_text(-0.00001) == "0.000"
    for near_a_boundary in (18.3475, 18.34745, 2.49952, 0.00049):
        with pytest.raises(ValueError, match="rounding boundary at 3 decimals: its last digit depends on the CPU"):
            stable_text(near_a_boundary)
    with pytest.raises(ValueError, match="tolerance must be > 0"):
        stable_text(1.0, tolerance=0.0)


def test_compared_cells_are_found_as_nbval_finds_them():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(1)"),
        nbformat.v4.new_code_cell("print(2)  # NBVAL_CHECK_OUTPUT is a comment here, not the marker"),
        nbformat.v4.new_markdown_cell("# NBVAL_CHECK_OUTPUT"),
        nbformat.v4.new_code_cell("x = 1\n  ## NBVAL_CHECK_OUTPUT"),
        nbformat.v4.new_code_cell("# NBVAL_IGNORE_OUTPUT"),
    ]
    assert compared_cell_indices(notebook) == [0, 3]


def test_comparison_sees_a_changed_last_digit_and_ignores_what_nbval_ignores():
    patterns = sanitize_patterns()
    committed = [
        {"output_type": "stream", "name": "stdout", "text": "passed (18.3472)\n"},
        {"output_type": "stream", "name": "stderr", "text": "a warning\n"},
        {"output_type": "display_data", "data": {"text/plain": "<Figure size 640x480 with 1 Axes>", "image/png": "A"}},
    ]
    rerun = [
        {"output_type": "stream", "name": "stdout", "text": "passed (18.3472)\n"},
        {"output_type": "display_data", "data": {"text/plain": "<Figure size 800x200 with 1 Axes>", "image/png": "B"}},
    ]
    assert comparable(committed, patterns) == comparable(rerun, patterns)  # stderr, sizes, pixels ignored
    rerun[0]["text"] = "passed (18.3473)\n"
    assert comparable(committed, patterns) != comparable(rerun, patterns)
    assert comparable([{"output_type": "stream", "name": "stdout", "text": "took 3.2 s\n"}], patterns) == {
        "stdout": ["took TIME\n"]
    }


def check_notebook(path: Path, tmp_path: Path) -> None:
    """Run ``path``'s compared cells under the perturbed numerics; assert they print what is committed."""
    committed = nbformat.read(path, as_version=4)
    indices = compared_cell_indices(committed)
    if not indices:
        pytest.skip("nbval compares no cell of this notebook")
    executed = run_perturbed(committed, tmp_path)
    probe = "".join(o.get("text", "") for o in executed.cells[-1].outputs).strip()
    assert probe == PROBE_EXPECTED, f"the perturbed numerics did not take effect in the kernel: {probe!r}"
    patterns = sanitize_patterns()
    differences = []
    for i in indices:
        want, got = comparable(committed.cells[i].outputs, patterns), comparable(executed.cells[i].outputs, patterns)
        if want != got:
            first_line = committed.cells[i].source.splitlines()[1:2]
            differences.append(
                f"cell {i} ({first_line[0] if first_line else ''}):\n  committed {want}\n  now       {got}"
            )
    assert not differences, (
        f"{path.name}: outputs that nbval compares changed under other floating-point numerics "
        f"({', '.join(f'{k}={v}' for k, v in PERTURBED_ENV.items())}, oneDNN off). Print only what is stable "
        "(round well inside the tolerance, or assert and print the verdict):\n" + "\n".join(differences)
    )


def _notebook_test_class(path: Path) -> type:
    """A test class for one notebook: ``make test`` distributes pytest-xdist work by module or class
    (``--dist loadscope``), so one class per notebook spreads the executions over the workers."""

    def test_compared_outputs_do_not_depend_on_the_numerics(self, tmp_path):
        check_notebook(path, tmp_path)

    name = "TestNumerics_" + path.stem
    return type(
        name,
        (),
        {"test_compared_outputs_do_not_depend_on_the_numerics": test_compared_outputs_do_not_depend_on_the_numerics},
    )


for _path in NOTEBOOKS:
    _cls = _notebook_test_class(_path)
    globals()[_cls.__name__] = _cls
