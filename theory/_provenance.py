"""Where a result was computed: package versions, platform, BLAS, git commit and date.

Recorded in every figure sidecar (``theory.figures.save``), in ``theory verify --json`` and in
the report header, so that a number or a curve that differs between two machines can be traced
to a version, a BLAS or a thread count. :data:`VOLATILE` names the keys that change from run to
run (compare sidecars without them).
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES: tuple[str, ...] = ("theory", "numpy", "scipy", "cvxpy", "pot", "matplotlib")
THREAD_VARIABLES: tuple[str, ...] = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
VOLATILE: tuple[str, ...] = ("date", "commit")
_ROOT = Path(__file__).resolve().parent.parent


def package_versions() -> dict[str, str]:
    """Installed versions of Python and of the packages results depend on (``-`` if absent)."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "-"
    return out


def blas_info() -> dict[str, Any]:
    """Return the BLAS numpy uses and its threads.

    From threadpoolctl when installed, else numpy's build configuration plus the thread environment
    variables.
    """
    env = {k: os.environ.get(k, "") for k in THREAD_VARIABLES}
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        import numpy as np

        try:
            cfg = np.show_config(mode="dicts")
            blas = cfg["Build Dependencies"]["blas"]
            name = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
        except Exception:  # numpy < 1.26 or an unusual build: the name is unknown
            name = "unknown"
        return {"name": name, "source": "numpy build config", "env": env}
    # Sorted: the order in which the loader lists libraries varies from run to run.
    pools = sorted((p for p in threadpool_info() if p.get("user_api") == "blas"),
                   key=lambda p: (str(p.get("internal_api")), str(p.get("version")), str(p.get("filepath"))))
    return {"name": ", ".join(f"{p.get('internal_api')} {p.get('version')}" for p in pools) or "none",
            "threads": [p.get("num_threads") for p in pools], "source": "threadpoolctl", "env": env}


def git_commit(root: Path = _ROOT) -> str | None:
    """Return the commit checked out in ``root`` (``None`` outside a git checkout)."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                             timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return (out.stdout.strip() or None) if out.returncode == 0 else None


def provenance() -> dict[str, Any]:
    """Versions, platform, BLAS, git commit and UTC date of this run (JSON-ready)."""
    return {
        "versions": package_versions(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "blas": blas_info(),
        "commit": git_commit(),
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def stable(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` without its volatile provenance fields: what two reruns must reproduce exactly."""
    out = dict(doc)
    prov = out.pop("provenance", None)
    if isinstance(prov, dict):
        out["provenance"] = {k: v for k, v in prov.items() if k not in VOLATILE}
    return out


__all__ = ["VOLATILE", "blas_info", "git_commit", "package_versions", "provenance", "stable"]
