# instagan-lite: `make demo` runs the main job, `make test` runs every test. Both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The torch pair to install; override for another platform, e.g. make TORCH_SPEC="torch torchvision" test
TORCH_SPEC ?= torch==2.14.1 torchvision==0.29.1
# Two pytest workers with one thread each: two multi-threaded torch processes on 2 cores slow each other down.
PYTEST_ARGS ?= -n 2 --dist loadscope
NBVAL_ARGS := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: setup test test-browser browser-setup check-race lint demo notebooks exercises coursework grade docs lab benchmark clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -c "import torch, torchvision" 2>/dev/null || $(PY) -m pip install --quiet $(TORCH_SPEC)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# Library tests and every notebook in fast mode (nbval; the student notebooks stop at their stubs by design,
# tests/test_exercises.py checks them). MPLBACKEND must not reach the kernels.
test: setup lint
	env -u MPLBACKEND OMP_NUM_THREADS=1 INSTAGAN_LITE_FAST=1 $(PY) -m pytest $(PYTEST_ARGS) tests notebooks --ignore=notebooks/exercises $(NBVAL_ARGS)

# The notebooks in JupyterLab in headless Chromium (Debian's package): run all cells, move every widget.
browser-setup: setup
	command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium) || echo "no chromium could be installed: the browser test will be skipped"
	$(PY) -m pip install --quiet -e ".[browser]"
	$(PY) -m ipykernel install --user --name instagan-lite --display-name "instagan-lite" >/dev/null

test-browser: browser-setup
	env -u MPLBACKEND $(PY) -m pytest -p no:xdist tests_browser -v

# Does the browser test catch the widget redraw race? Puts the old pyplot-in-callback widgets back for a
# while, runs the browser test on the widget notebooks RACE_RUNS times, restores them (about 2 min a run).
RACE_RUNS ?= 3
check-race: browser-setup
	env -u MPLBACKEND $(PY) scripts/check_browser_test_catches_race.py --runs $(RACE_RUNS)

# Regenerate the executed notebooks from their .py sources, and the student versions of the exercises.
notebooks: setup
	$(PY) scripts/build_notebooks.py
	$(PY) scripts/make_exercises.py

# The student notebooks (notebooks/exercises/): every solution replaced by a stub, checks kept.
exercises: setup
	$(PY) scripts/make_exercises.py

# The instructor build (docs/coursework.md): coursework/release/ for learners, coursework/source/ with the
# solutions and hidden tests (keep private). SEED is the hidden tests' secret; unset, a random one is printed.
COURSEWORK ?= coursework
SEED ?=
coursework: setup
	$(PY) -m pip install --quiet -e ".[coursework]"
	$(PY) -m instagan_lite.coursework build --out $(COURSEWORK) $(if $(SEED),--seed $(SEED))

# Grade a folder of learner folders (SUBMISSIONS/<learner>/<notebook>.ipynb) into RESULTS/results.{csv,md}.
SUBMISSIONS ?= submitted
RESULTS ?= results
grade: setup
	$(PY) -m pip install --quiet -e ".[coursework]"
	env -u MPLBACKEND OMP_NUM_THREADS=1 $(PY) -m instagan_lite.coursework grade $(COURSEWORK)/source $(SUBMISSIONS) --out $(RESULTS)

# docs/cli.md, generated from the command-line parser.
docs: setup
	$(PY) scripts/cli_reference.py

# Work through the notebooks: registers this environment as the Jupyter kernel "instagan-lite" and opens
# JupyterLab on notebooks/ (a JupyterLab installed elsewhere can use the same kernel).
# As root (containers), JupyterLab needs --allow-root.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)
lab: setup
	$(PY) -m ipykernel install --user --name instagan-lite --display-name "instagan-lite"
	env -u MPLBACKEND $(VENV)/bin/jupyter lab $(LAB_ARGS) notebooks/

demo: setup
	$(PY) -m instagan_lite demo

benchmark: setup  # speed and memory (about 40 min on 2 CPU cores); the ablation is separate (1.5 h)
	$(PY) benchmarks/throughput.py
	$(PY) benchmarks/inference_capacity.py
	$(PY) benchmarks/train_step.py

clean:
	rm -rf $(VENV) outputs build *.egg-info
