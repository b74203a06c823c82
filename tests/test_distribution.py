"""The package builds as an sdist and a wheel, and the wheel works from a fresh environment.

The wheel is installed with ``--no-deps --no-index`` into a new virtual environment that sees
the running environment's dependencies through one ``.pth`` line (a full install of numpy,
scipy, cvxpy, POT ... would not fit a unit test's time). The new environment's site-packages
comes first on ``sys.path`` and the source tree is not on it, so ``theory`` is imported from the
wheel: the test checks where it came from.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

import theory

ROOT = Path(__file__).resolve().parent.parent


def _sh(*cmd: str | Path, cwd: Path, timeout: int = 180) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # No build isolation: setuptools and wheel come from the dev extras, not from the network.
    _sh(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT, cwd=ROOT)
    return out


def test_sdist_and_wheel_contents(dist):
    (sdist,) = dist.glob("theory-*.tar.gz")
    (wheel,) = dist.glob("theory-*.whl")
    assert sdist.name == f"theory-{theory.__version__}.tar.gz"
    assert wheel.name.startswith(f"theory-{theory.__version__}-py3-none-any")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        meta = zf.read(f"theory-{theory.__version__}.dist-info/METADATA").decode()
    assert {"theory/py.typed", "theory/theory.mplstyle", "theory/cli.py"} <= names
    assert not any(n.startswith(("tests/", "figures/", "notebooks/")) for n in names)
    assert any(n.endswith("licenses/LICENSE") or n.endswith("/LICENSE") for n in names)
    assert "License-Expression: MIT" in meta
    assert "Requires-Dist: numpy" in meta and "Provides-Extra: distributed" in meta
    with tarfile.open(sdist) as tf:
        members = {m.split("/", 1)[1] for m in tf.getnames() if "/" in m}
    assert {"pyproject.toml", "README.md", "LICENSE", "theory/py.typed"} <= members


def test_wheel_installs_and_verifies_in_a_fresh_venv(dist, tmp_path):
    (wheel,) = dist.glob("theory-*.whl")
    venv = tmp_path / "venv"
    _sh(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    py = venv / "bin" / "python"
    site = Path(_sh(py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                    cwd=tmp_path).strip())
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "_shared_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    _sh(sys.executable, "-m", "pip", "--python", py, "install", "--no-deps", "--no-index", "--quiet",
        wheel, cwd=tmp_path)
    where = _sh(py, "-c", "import theory; print(theory.__file__, theory.__version__)", cwd=tmp_path)
    assert where.split()[0].startswith(str(site)), where
    assert where.split()[1] == theory.__version__
    out = _sh(venv / "bin" / "theory", "verify", "--fast", "--no-progress", "speculative", cwd=tmp_path)
    assert " 0 failed" in out.splitlines()[-1], out[-2000:]


def test_version_written_once():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in meta["project"]["dynamic"] and "version" not in meta["project"]
    assert meta["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "theory.__version__"}
    cff = (ROOT / "CITATION.cff").read_text()
    assert f'version: "{theory.__version__}"' in cff
    assert "license: MIT" in cff and "MIT License" in (ROOT / "LICENSE").read_text()
