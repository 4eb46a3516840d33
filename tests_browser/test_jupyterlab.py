"""The notebooks in a real JupyterLab in a real (headless) browser: ``make test-browser``.

For every notebook: open it through JupyterLab's UI (a server on 127.0.0.1 with a token, the project's
``instagan-lite`` kernel, fast mode, autosave off, on a copy of the notebooks), check that opening it
does not mark it modified (its kernelspec matches the kernel), run all cells from the Run menu, assert
that no cell shows an error, then find every widget's controls and move each one at least once; after
every move the widget's figure must come back redrawn: different from before, neither blank nor
transparent (the PNG is decoded in the page). Screenshots of every widget before and after go to
``$BROWSER_SCREENSHOTS`` (default ``outputs/browser``). Browser console errors fail the test, except
images that cannot load offline (the Colab badge). The server and the browser are stopped whatever
happens.

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright's Python client; nothing downloads a
browser.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", ROOT / "outputs" / "browser"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
KERNEL = "instagan-lite"
RUN_TIMEOUT_S = 240
KERNEL_START_TIMEOUT_S = 120
IMAGE = "img"  # the figure of a widget: an ipywidgets Image view (or an image inside an Output widget)
REDRAW_TIMEOUT_S = 60

playwright_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (set CHROMIUM=…)", allow_module_level=True)

# Reads an <img>'s pixels back through a canvas: size, mean alpha, per-channel spread, and a fingerprint.
DECODE = """async (img) => {
  // A figure replaced while it decodes (two quick redraws revoke the first picture's URL) is read again.
  let src = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    src = img.src;
    try { await img.decode(); } catch (e) { if (img.src !== src) continue; throw e; }
    if (img.src === src) break;
  }
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let alpha = 0, n = d.length / 4, sum = [0, 0, 0], sq = [0, 0, 0], hash = 0;
  for (let i = 0; i < d.length; i += 4) {
    alpha += d[i + 3];
    for (let k = 0; k < 3; k++) { sum[k] += d[i + k]; sq[k] += d[i + k] * d[i + k]; }
    hash = (hash * 31 + d[i] + 7 * d[i + 1] + 13 * d[i + 2]) % 1000000007;
  }
  const std = sum.map((s, k) => Math.sqrt(sq[k] / n - (s / n) * (s / n)));
  return {width: c.width, height: c.height, alpha: alpha / n / 255, std: Math.max(...std), hash: hash, src: src,
          png: c.toDataURL('image/png')};
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of the notebooks; yields (base URL, token, folder)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:  # another clone's `make lab` may have registered the kernel with its own (since deleted) Python
        python = KernelSpecManager().get_kernel_spec(KERNEL).argv[0]
    except NoSuchKernel:
        python = None
    if python is None or not Path(python).exists():
        pytest.fail(
            f"the {KERNEL!r} kernel is not registered or points to a missing Python ({python}); "
            "`make test-browser` or `make lab` registers it for this checkout"
        )
    work = tmp_path_factory.mktemp("lab")
    for notebook in NOTEBOOKS:
        shutil.copy(notebook, work / notebook.name)
    settings = work / ".settings" / "@jupyterlab"
    for plugin, values in (
        ("docmanager-extension/plugin", {"autosave": False}),  # saving off: the files must stay as they are
        ("notebook-extension/tracker", {"windowingMode": "none"}),  # every cell in the page, not just the visible
    ):
        (settings / plugin).parent.mkdir(parents=True, exist_ok=True)
        (settings / f"{plugin}.jupyterlab-settings").write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "INSTAGAN_LITE_FAST": "1", "INSTAGAN_LITE_OUTPUTS": str(work / "outputs")}
    env.pop("MPLBACKEND", None)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={work}",
        f"--LabApp.user_settings_dir={work / '.settings'}",
        "--ServerApp.open_browser=False",
        "--LabServerApp.workspaces_dir=" + str(work / ".workspaces"),
    ]
    if os.geteuid() == 0:  # CI containers run as root; JupyterLab refuses that without this flag
        command.append("--allow-root")
    log = (work / "server.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError("JupyterLab exited:\n" + (work / "server.log").read_text()[-3000:]) from None
                time.sleep(0.5)
        else:
            raise RuntimeError("JupyterLab did not start within 60 s")
        yield url, token, work
    finally:
        try:
            os.killpg(server.pid, signal.SIGTERM)  # the server and its kernels
            server.wait(timeout=20)
        except ProcessLookupError:  # it had exited already
            pass
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="session")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-sync",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _kernel_idle(page) -> bool:
    status = page.locator(".jp-Notebook-ExecutionIndicator").first
    return status.count() > 0 and status.get_attribute("data-status") == "idle"


def _wait_for_run(page, n_cells: int) -> None:
    """Until every code cell has an execution count and the kernel is idle."""
    deadline = time.time() + RUN_TIMEOUT_S
    while time.time() < deadline:
        prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
        if len(prompts) == n_cells and all("[" in p and "*" not in p and p.strip() != "[ ]:" for p in prompts):
            if _kernel_idle(page):
                return
        time.sleep(1)
    raise AssertionError(f"the notebook did not finish within {RUN_TIMEOUT_S} s")


def _decode(img) -> dict:
    """The decoded figure; one that cannot be found or decoded within 10 s is reported as unreadable."""
    try:
        return img.evaluate(DECODE, timeout=10_000)
    except playwright_api.Error as error:
        first_line = str(error).splitlines()[0]
        return {"unreadable": first_line}


def _redraw_problem(before: dict, after: dict) -> str | None:
    """What is wrong with a redraw (None if nothing): unreadable, not redrawn, unchanged, too small,
    transparent or blank."""
    if "unreadable" in after:
        return f"the figure could not be read: {after['unreadable']}"
    if after["src"] == before.get("src"):
        return f"the figure did not redraw within {REDRAW_TIMEOUT_S} s"
    if after["hash"] == before.get("hash"):
        return f"the figure redrew but did not change within {REDRAW_TIMEOUT_S} s"
    if after["width"] <= 50 or after["height"] <= 50:
        return f"the figure is {after['width']}×{after['height']}"
    if after["alpha"] <= 0.99:
        return f"the figure is (partly) transparent (mean alpha {after['alpha']:.2f})"
    if after["std"] <= 3:
        return "the figure is blank (one colour)"
    return None


def _controls(widget):
    """Every control of a widget box, with how to move it."""
    found = []
    for handle in widget.locator(".noUi-handle").all():
        found.append(("slider", handle))
    for box in widget.locator(".widget-checkbox input[type=checkbox]").all():
        found.append(("checkbox", box))
    for button in widget.locator("button.widget-toggle-button").all():
        found.append(("toggle", button))
    for select in widget.locator(".widget-select-multiple select").all():
        found.append(("select", select))
    return found


def _move(kind: str, control, page) -> None:
    if kind == "slider":
        control.focus()
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        control.evaluate("h => h.blur()")  # commits a continuous_update=False slider
    elif kind in ("checkbox", "toggle"):
        control.click()
    else:
        options = control.locator("option").all_inner_texts()
        chosen = control.evaluate("s => Array.from(s.selectedOptions).map(o => o.text)")
        control.select_option(label=[o for o in options if o not in chosen][:1] or options[:1])


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_and_every_widget_redraws(notebook, lab, browser):
    url, token, work = lab
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        # A workspace of its own, reset: JupyterLab would otherwise reopen the previous test's notebook too.
        page.goto(
            f"{url}/lab/workspaces/{notebook.stem}/tree/{notebook.name}?reset&token={token}",
            wait_until="domcontentloaded",
        )
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        deadline = time.time() + KERNEL_START_TIMEOUT_S
        while not _kernel_idle(page) and time.time() < deadline:
            time.sleep(0.5)
        kernel_name = page.locator(".jp-Toolbar-kernelName").first.inner_text()
        while kernel_name.strip() == "No Kernel" and time.time() < deadline:
            time.sleep(0.5)
            kernel_name = page.locator(".jp-Toolbar-kernelName").first.inner_text()
        tab = page.locator(".lm-TabBar-tab.lm-mod-current").first
        assert "jp-mod-dirty" not in (tab.get_attribute("class") or ""), "opening the notebook marked it modified"
        assert KERNEL in kernel_name, f"the notebook opened with kernel {kernel_name!r}, not {KERNEL!r}"
        n_cells = page.locator(".jp-Notebook .jp-CodeCell").count()
        # Clear the committed outputs first, so that waiting for execution counts waits for this run.
        page.locator(".lm-MenuBar-itemLabel", has_text="Edit").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Clear Outputs of All Cells").first.click()
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        _wait_for_run(page, n_cells)
        failures = [t for t in page.locator(".jp-OutputArea-output").all_inner_texts() if "Traceback" in t]
        assert not failures, f"{notebook.name}: a cell failed:\n{failures[0][:2000]}"
        widgets = page.locator(".jp-OutputArea-output .widget-vbox").all()
        widgets = [w for w in widgets if w.locator(IMAGE).count()]
        problems: list[str] = []  # every control is moved; all bad redraws are reported together
        for w_index, widget in enumerate(widgets):
            widget.scroll_into_view_if_needed()
            img = widget.locator(IMAGE).first
            before = _decode(img)
            first = _redraw_problem({}, before)
            assert not first, f"{notebook.stem} widget {w_index} at first: {first}"
            widget.screenshot(path=str(SCREENSHOTS / f"{notebook.stem}_widget{w_index}_before.png"))
            controls = _controls(widget)
            assert controls, f"{notebook.stem} widget {w_index}: no control found"
            for c_index, (kind, control) in enumerate(controls):
                where = f"{notebook.stem} widget {w_index}, {kind} {c_index}"
                _move(kind, control, page)
                deadline = time.time() + REDRAW_TIMEOUT_S
                after = _decode(img)
                # until the picture changes (the view may set the same picture again under a new URL)
                while "unreadable" not in after and after["hash"] == before.get("hash") and time.time() < deadline:
                    time.sleep(0.3)
                    after = _decode(img)
                problem = _redraw_problem(before, after)
                print(f"{where}: {problem or 'redrawn'}")
                if problem:
                    problems.append(f"{where}: {problem}")
                    bad = SCREENSHOTS / f"{notebook.stem}_widget{w_index}_{kind}{c_index}_bad"
                    widget.screenshot(path=f"{bad}.png")
                    if after.get("png"):  # the figure as decoded, which the page may already have replaced
                        Path(f"{bad}_figure.png").write_bytes(base64.b64decode(after["png"].split(",", 1)[1]))
                before = after
            widget.screenshot(path=str(SCREENSHOTS / f"{notebook.stem}_widget{w_index}_after.png"))
        assert not problems, f"{len(problems)} bad redraw(s):\n" + "\n".join(problems)
        on_disk = json.loads((work / notebook.name).read_text())
        assert on_disk == json.loads(notebook.read_text()), "the notebook file changed with saving off"
        offline = ("Failed to load resource", "colab-badge", "net::ERR")
        real = [e for e in errors if not any(o in e for o in offline)]
        assert not real, f"{notebook.name}: browser console errors: {real[:5]}"
    finally:
        page.screenshot(path=str(SCREENSHOTS / f"{notebook.stem}_page.png"), full_page=False)
        context.close()
