"""Every notebook and every figure script runs to completion in fast mode.

Figures are written to a temporary folder (``THEORY_FIG_DIR``) so tests never touch the
committed ones. Both folders may be empty; scripts are picked up as they appear.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
FIGURES = sorted((ROOT / "figures").glob("*.py"))


def _run(script: Path, tmp_path: Path) -> None:
    env = dict(os.environ, THEORY_FAST="1", THEORY_FIG_DIR=str(tmp_path), MPLBACKEND="Agg")
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
    assert json.loads((tmp_path / f"{name}.json").read_text())["fast"] is True


def test_script_folders_exist():
    assert (ROOT / "notebooks").is_dir() and (ROOT / "figures").is_dir()
