# theory: the two set-up commands are `make reproduce` and `make test`; both build .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
JOBS   ?= 2
# One BLAS thread per process: tests and claims run in parallel processes. With both cores busy,
# multithreaded OpenBLAS took 7.6 ms per L-BFGS-B iteration on a 55-variable quadratic against
# 0.03 ms with one thread (on an idle machine the difference is 1.7x).
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1

.PHONY: venv test test-all reproduce verify figures paper-table run-figures notebooks bench lint paper clean docs browser docs-check

venv: $(STAMP)

# Re-install only when pyproject.toml changed (the stamp is older than it).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: venv
	CI=$${CI:-} $(BIN)/python -m pytest -n $(JOBS) -q

test-all: venv
	$(BIN)/python -m pytest -n $(JOBS) -q -m ''

# The main job: every claim at full size, then every figure, then the report. Everything it
# writes goes to reports/ (claims.json/.md/.tex, figures/, REPORT.md): the working tree stays
# clean. The committed figures and the paper's claims table change only through the explicit
# targets `make figures` and `make paper-table`. Each step prints one line per finished claim or
# figure, so a log shows progress.
# A quick smoke run of the same pipeline: THEORY_FAST=1 make reproduce VERIFY_FLAGS=--fast
VERIFY_FLAGS ?=
reproduce: venv
	mkdir -p reports/figures
	$(BIN)/theory verify $(VERIFY_FLAGS) --jobs $(JOBS) --json reports/claims.json \
		--markdown reports/claims.md --latex reports/claims.tex
	@$(MAKE) --no-print-directory run-figures FIG_DIR=reports/figures
	$(BIN)/python -m theory.report reports/claims.json --figures reports/figures --out reports/REPORT.md
	@echo "report: reports/REPORT.md; figures: reports/figures/"

verify: venv
	$(BIN)/theory verify --fast

# Regenerate the committed figures in figures/ (full size).
figures: venv
	@$(MAKE) --no-print-directory run-figures FIG_DIR=figures

# Regenerate the paper's committed claims table (full size).
paper-table: venv
	$(BIN)/theory verify --jobs $(JOBS) --latex paper/generated/claims.tex

# Figure scripts run $(JOBS) at a time (each is single-threaded); one line per finished figure.
FIG_DIR ?= figures
run-figures:
	@ls figures/*.py 2>/dev/null | xargs -r -P $(JOBS) -I{} sh -c 't0=$$(date +%s); \
		THEORY_FIG_DIR=$(FIG_DIR) $(BIN)/python {} && \
		echo "figure $$(basename {} .py) done ($$(($$(date +%s) - t0)) s)"'

# Each jupytext notebook is executed once (nbclient) and saved with its outputs as an .ipynb in
# docs/_build/notebooks/; fast mode unless THEORY_FAST=0 is given.
notebooks: venv
	THEORY_FAST=$${THEORY_FAST:-1} $(BIN)/python docs/_ext/theory_docs.py notebooks/*.py --out docs/_build/notebooks

# The documentation site (docs/_build/html); warnings are errors. Gallery scripts and notebooks
# run in fast mode; notebook outputs are cached in docs/_build/.jupyter_cache.
docs: venv
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

# Debian's chromium for the browser test of the built site (docs-check).
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; }
	@chromium --version 2>/dev/null

# Tests of the built site: API reference complete, links, and pages in headless chromium
# (screenshots in docs/_build/screenshots/).
docs-check: venv browser
	$(BIN)/python -m pytest -q -p no:cacheprovider docs/tests

bench: venv
	@set -e; for f in benchmarks/bench_*.py; do [ -e "$$f" ] || continue; echo "benchmark $$f"; \
		$(BIN)/python "$$f"; done

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy theory

paper:
	@if command -v latexmk >/dev/null 2>&1; then \
		cd paper && latexmk -pdf -interaction=nonstopmode -halt-on-error main.tex; \
	else \
		echo "latexmk not found. Install the TeX packages with:"; \
		echo "  apt-get install -y --no-install-recommends texlive-latex-base texlive-latex-recommended texlive-fonts-recommended latexmk"; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache reports docs/_build docs/generated
