"""Every notebook and every figure script runs to completion in fast mode.

Figures are written to a temporary folder (``THEORY_FIG_DIR``) so tests never touch the
committed ones. Both folders may be empty; scripts are picked up as they appear.

A figure script that runs has passed ``theory.figures.check_figure`` (``save`` raises
otherwise): every axis is labelled and every legend entry draws something visible. Its sidecar
carries a caption and the provenance of the run, and its PDF embeds TrueType fonts. Two scripts
(:data:`REPEATED`) run a second time: both runs must give the same PNG bytes and the same
sidecar up to the date and commit (determinism, one BLAS thread).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from theory._provenance import stable

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
FIGURES = sorted((ROOT / "figures").glob("*.py"))
REPEATED = ("semantic_ib", "speculative_kseq_ratio")


def _run(script: Path, tmp_path: Path) -> None:
    env = dict(os.environ, THEORY_FAST="1", THEORY_FIG_DIR=str(tmp_path), MPLBACKEND="Agg",
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{script.name} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"


@pytest.mark.parametrize("script", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(script, tmp_path):
    _run(script, tmp_path)


@pytest.mark.parametrize("script", FIGURES, ids=[p.name for p in FIGURES])
def test_figure_script_runs(script, tmp_path):
    _run(script, tmp_path)
    name = script.stem
    for ext in ("pdf", "png", "json"):
        assert (tmp_path / f"{name}.{ext}").exists(), f"{script.name} did not write {name}.{ext}"
    sidecar = json.loads((tmp_path / f"{name}.json").read_text())
    assert sidecar["fast"] is True and sidecar["caption"], f"{name}: sidecar lacks a caption"
    assert {"versions", "platform", "blas", "commit", "date"} <= set(sidecar["provenance"])
    pdf = (tmp_path / f"{name}.pdf").read_bytes()
    truetype = b"/CIDFontType2" in pdf or b"/Subtype /TrueType" in pdf  # Type 42, embedded
    assert b"/Subtype /Type3" not in pdf and truetype, f"{name}: PDF fonts must be TrueType, not Type 3"
    if name in REPEATED:
        again = tmp_path / "again"
        again.mkdir()
        _run(script, again)
        assert (again / f"{name}.png").read_bytes() == (tmp_path / f"{name}.png").read_bytes()
        assert (again / f"{name}.pdf").read_bytes() == pdf
        second = json.loads((again / f"{name}.json").read_text())
        assert stable(second) == stable(sidecar), f"{name}: sidecars differ beyond date/commit"


def test_script_folders_exist():
    assert (ROOT / "notebooks").is_dir() and (ROOT / "figures").is_dir()
