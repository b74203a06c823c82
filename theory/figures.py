"""Shared plumbing for the figure scripts in ``figures/``.

A figure script uses only the public API and this module::

    from theory.figures import fast_mode, figure, save
    fast = fast_mode()
    fig, ax = figure()
    ...
    save(fig, "speculative_acceptance", params={"V": 50, "seed": 0})

- :func:`fast_mode` is true when ``THEORY_FAST=1`` (tests run every script this way).
- :func:`save` writes ``<name>.pdf``, ``<name>.png`` and ``<name>.json`` (parameters, seed, fast
  flag) to ``THEORY_FIG_DIR`` (default: the repository's ``figures/``) with metadata stripped
  (no creation date), so that reruns are byte-identical.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

STYLE = Path(__file__).with_name("theory.mplstyle")
_DEFAULT_DIR = Path(__file__).resolve().parent.parent / "figures"


def fast_mode() -> bool:
    """True when the environment asks for small, quick figures (``THEORY_FAST=1``)."""
    return os.environ.get("THEORY_FAST", "0") not in ("", "0", "false", "False")


def output_dir() -> Path:
    """Where figures are written: ``$THEORY_FIG_DIR`` or the repository's ``figures/``."""
    return Path(os.environ.get("THEORY_FIG_DIR", _DEFAULT_DIR))


def figure(nrows: int = 1, ncols: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
    """``plt.subplots`` under the package style."""
    plt.style.use(STYLE)
    return plt.subplots(nrows, ncols, **kwargs)


def save(fig: Figure, name: str, *, params: Mapping[str, Any]) -> list[Path]:
    """Write ``name``.pdf/.png/.json with stripped metadata; return the paths written."""
    out = output_dir()
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.pdf", out / f"{name}.png", out / f"{name}.json"]
    fig.savefig(paths[0], metadata={"CreationDate": None, "ModDate": None, "Producer": None,
                                    "Creator": None})
    fig.savefig(paths[1], metadata={"Software": None})
    sidecar = {"figure": name, "fast": fast_mode(), "params": dict(params)}
    paths[2].write_text(json.dumps(sidecar, indent=2, sort_keys=True, default=str) + "\n")
    plt.close(fig)
    return paths


__all__ = ["Axes", "fast_mode", "figure", "output_dir", "save"]
