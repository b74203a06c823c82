r"""Shared plumbing and style for the figure scripts in ``figures/``.

A figure script uses only the public API and this module::

    from theory.figures import fast_mode, figure, int_axis, legend, save
    fast = fast_mode()
    fig, ax = figure(width=0.5, height=2.4)      # half the paper's text width, in inches
    ax.plot(ks, acc, label=r"$\alpha^\star$")
    ax.set_xlabel(r"drafts $K$")
    ax.set_ylabel("acceptance")
    int_axis(ax, "x")                              # integer ticks on an integer axis
    legend(ax)                                     # outside the data, to the right
    save(fig, "speculative_acceptance", params={"V": 50, "seed": 0},
         caption="Acceptance against the number of drafts K.")

- :func:`fast_mode` is true when ``THEORY_FAST=1`` (tests run every script this way).
- :func:`figure` applies the package style (``theory.mplstyle``: 8 pt text, mathtext,
  Okabe-Ito colour-blind-safe cycle, TrueType fonts in PDFs, constrained layout) and sizes the
  figure as a fraction of the paper's text width :data:`TEXT_WIDTH`; the paper includes it at
  its natural size, so the 8 pt text prints at 8 pt.
- Importing this module limits BLAS to one thread (threadpoolctl), so figures do not depend on
  the thread count of the machine.
- :func:`save` checks the figure (:func:`check_figure`: every axis labelled, every legend entry
  drawn) and writes ``<name>.pdf``, ``<name>.png`` and ``<name>.json`` (parameters, fast flag,
  caption, provenance: versions, platform, BLAS, commit, date) to ``THEORY_FIG_DIR`` (default:
  the repository's ``figures/``). PDF and PNG carry no date, so reruns are byte-identical.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, cast

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.artist import Artist  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import Collection  # noqa: E402
from matplotlib.container import Container  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from matplotlib.transforms import ScaledTranslation  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from theory._provenance import provenance  # noqa: E402

# One BLAS thread in figure scripts, whatever the environment says: the order of a
# multithreaded reduction can change the last bits of a sum, and iterative solvers can amplify
# them. The sidecar records the threads actually used.
threadpool_limits(limits=1, user_api="blas")

STYLE = Path(__file__).with_name("theory.mplstyle")
TEXT_WIDTH = 6.5
"""The paper's text width in inches (US letter, 1 in margins): ``width=1.0`` in :func:`figure`."""
_DEFAULT_DIR = Path(__file__).resolve().parent.parent / "figures"
_NO_LABEL = "_theory_no_label"


class FigureCheckError(ValueError):
    """A figure breaks a reader-facing rule (unlabelled axis, legend entry with nothing drawn)."""


def fast_mode() -> bool:
    """Return True when the environment asks for small, quick figures (``THEORY_FAST=1``)."""
    return os.environ.get("THEORY_FAST", "0") not in ("", "0", "false", "False")


def output_dir() -> Path:
    """Where figures are written: ``$THEORY_FIG_DIR`` or the repository's ``figures/``."""
    return Path(os.environ.get("THEORY_FIG_DIR", _DEFAULT_DIR))


def figure(nrows: int = 1, ncols: int = 1, *, width: float = 1.0, height: float | None = None,
           **kwargs: Any) -> tuple[Figure, Any]:
    """``plt.subplots`` under the package style, ``width`` x :data:`TEXT_WIDTH` inches wide.

    Parameters
    ----------
    nrows, ncols
        Grid of axes.
    width
        Fraction of the paper's text width (1.0: full width, 0.5: half). The paper includes
        the PDF at this natural size.
    height
        Height in inches (default: 0.62 x the width of one panel, at least 2.2 in).
    **kwargs
        Passed to ``plt.subplots`` (``sharey``, ``gridspec_kw`` ...); an explicit ``figsize``
        overrides ``width`` and ``height``.
    """
    plt.style.use(STYLE)
    w = width * TEXT_WIDTH
    if height is None:
        height = max(2.2, 0.62 * w / ncols) * (1 if nrows == 1 else 0.8 * nrows)
    kwargs.setdefault("figsize", (w, height))
    return plt.subplots(nrows, ncols, **kwargs)


def int_axis(ax: Axes, which: Literal["x", "y", "both"] = "x") -> None:
    """Integer ticks only on an axis that counts something (drafts, dimensions, steps)."""
    for name in ("x", "y") if which == "both" else (which,):
        getattr(ax, f"{name}axis").set_major_locator(MaxNLocator(nbins=6, integer=True))


def legend(where: Axes | Figure, *, loc: Literal["right", "below", "above"] = "right",
           **kwargs: Any) -> Any:
    """Place a legend outside the data: right of an axes, or beside/below/above a whole figure.

    For a figure, entries are gathered from all its axes (one entry per label), so that panels
    sharing series get one legend.
    """
    if isinstance(where, Figure):
        seen: dict[str, Artist] = {}
        for ax in where.axes:
            for h, lab in zip(*ax.get_legend_handles_labels()):
                seen.setdefault(lab, h)
        spot = {"right": "outside right upper", "below": "outside lower center",
                "above": "outside upper center"}[loc]
        if loc != "right":
            kwargs.setdefault("ncol", min(len(seen), 4))
        return where.legend(list(seen.values()), list(seen), loc=cast(Any, spot), **kwargs)
    # Offsets in inches, not axes fractions: clear of tick labels and axis label (below) or of the
    # title (above) whatever the height of the axes.
    shift = {"right": (0.05, 0.0), "below": (0.0, -0.42),
             "above": (0.0, 0.2 if where.get_title() else 0.04)}[loc]
    spot, anchor = {"right": ("upper left", (1.0, 1.0)), "below": ("upper center", (0.5, 0.0)),
                    "above": ("lower center", (0.5, 1.0))}[loc]
    fig = where.get_figure()
    transform = where.transAxes + ScaledTranslation(*shift, fig.dpi_scale_trans) if fig else None
    return where.legend(loc=cast(Any, spot), bbox_to_anchor=anchor, bbox_transform=transform,
                        borderaxespad=0.0, **kwargs)


def no_axis_labels(ax: Axes, reason: str) -> None:
    """Exempt an axes from the label check (an image strip, a key panel); ``reason`` says why."""
    if not reason:
        raise ValueError("reason: say why this axes needs no labels")
    setattr(ax, _NO_LABEL, reason)


def _is_colorbar(ax: Axes) -> bool:
    return ax.get_label() == "<colorbar>"


def _shares_labelled(ax: Axes, name: str, axes: Iterable[Axes]) -> bool:
    group = ax.get_shared_x_axes() if name == "x" else ax.get_shared_y_axes()
    label = "get_xlabel" if name == "x" else "get_ylabel"
    return any(other is not ax and group.joined(ax, other) and getattr(other, label)() for other in axes)


def _in_view(artist: Artist, xy: np.ndarray) -> bool:
    """Check that some finite point of ``xy`` (in the artist's own coordinates) lands inside its axes."""
    ax = artist.axes
    xy = np.asarray(xy, float).reshape(-1, 2)
    xy = xy[np.all(np.isfinite(xy), axis=1)]
    if ax is None or not xy.size:
        return bool(xy.size)
    pix = artist.get_transform().transform(xy)
    box = ax.bbox
    inside = ((pix[:, 0] >= box.x0 - 0.5) & (pix[:, 0] <= box.x1 + 0.5)
              & (pix[:, 1] >= box.y0 - 0.5) & (pix[:, 1] <= box.y1 + 0.5))
    return bool(np.any(inside))


def _drawn(artist: Any) -> bool:
    """Return True when ``artist`` is visible and puts some ink inside its axes' view."""
    if isinstance(artist, Container):
        return any(_drawn(a) for a in artist if a is not None)
    if not isinstance(artist, Artist) or not artist.get_visible() or artist.get_alpha() == 0:
        return False
    if isinstance(artist, Line2D):
        styled = artist.get_linestyle() not in ("None", "", " ") and artist.get_linewidth() > 0
        marked = artist.get_marker() not in (None, "None", "", " ")
        xy = np.asarray(artist.get_xydata(), float)
        if not (marked or (styled and len(xy) > 1)):
            return False
        return _in_view(artist, xy)
    if isinstance(artist, Rectangle):
        if artist.get_width() == 0 or artist.get_height() == 0:
            return False
        x, y, w, h = artist.get_x(), artist.get_y(), artist.get_width(), artist.get_height()
        return _in_view(artist, np.array([[x, y], [x + w, y + h], [x + w / 2, y + h / 2]]))
    if isinstance(artist, Collection):
        offsets = np.asarray(artist.get_offsets())
        if offsets.size and artist.axes is not None:
            pix = artist.get_offset_transform().transform(offsets)
            box = artist.axes.bbox
            return bool(np.any((pix[:, 0] >= box.x0) & (pix[:, 0] <= box.x1)
                               & (pix[:, 1] >= box.y0) & (pix[:, 1] <= box.y1)))
        paths = [p for p in artist.get_paths() if np.asarray(p.vertices).size]
        return bool(paths) and _in_view(artist, np.concatenate([p.vertices for p in paths]))
    return True


def _pixels(line: Line2D) -> np.ndarray:
    xy = np.asarray(line.get_xydata(), float)
    xy = xy[np.all(np.isfinite(xy), axis=1)]
    return line.get_transform().transform(xy) if xy.size else np.empty((0, 2))


def _near_polyline(points: np.ndarray, poly: np.ndarray, tol: float) -> bool:
    """Every point lies within ``tol`` pixels of the polyline ``poly`` (or of its markers)."""
    if not len(points) or not len(poly):
        return False
    if len(poly) == 1:
        return bool(np.all(np.hypot(*(points - poly[0]).T) <= tol))
    a, b = poly[:-1], poly[1:]
    d = b - a
    rel = points[:, None, :] - a[None, :, :]
    seg2 = np.maximum(np.einsum("sk,sk->s", d, d), 1e-12)
    t = np.clip(np.einsum("psk,sk->ps", rel, d) / seg2, 0.0, 1.0)
    dist = np.hypot(*(rel - t[..., None] * d[None]).transpose(2, 0, 1))
    return bool(np.all(dist.min(axis=1) <= tol))


def _solid(line: Line2D) -> bool:
    return line.get_linestyle() in ("-", "solid")


def _hidden_under(hidden: Line2D, cover: Line2D, *, drawn_first: bool) -> bool:
    """Return whether ``hidden`` cannot be seen because ``cover`` hides it.

    ``cover`` runs along the same path within a pixel, and either is drawn after it with nothing of
    ``hidden`` sticking out, or is a solid line of the same colour under a dashed ``hidden`` (the dashes
    vanish in it).
    """
    if hidden.axes is not cover.axes:
        return False
    has_marker = hidden.get_marker() not in (None, "None", "", " ")
    cover_marker = cover.get_marker() not in (None, "None", "", " ")
    if drawn_first:
        if cover.get_zorder() < hidden.get_zorder():
            return False
        if has_marker and (not cover_marker or hidden.get_markersize() > 1.2 * cover.get_markersize()
                           or str(cover.get_markerfacecolor()) == "none"):
            return False
        if (hidden.get_linestyle() not in ("None", "", " ")
                and hidden.get_linewidth() > cover.get_linewidth() + 0.5):
            return False
        if (not _solid(cover) and cover.get_color() != hidden.get_color()
                and cover.get_linestyle() != hidden.get_linestyle()):
            return False
    else:  # drawn on top: only a dashed line over a solid line of its own colour disappears
        same = cover.get_color() == hidden.get_color()
        if has_marker or _solid(hidden) or not _solid(cover) or not same:
            return False
        if cover.get_linewidth() < hidden.get_linewidth():
            return False
    tol = 0.6 * max(cover.get_linewidth(), 1.0) * (cover.figure.dpi if cover.figure else 100) / 72
    return _near_polyline(_pixels(hidden), _pixels(cover), tol)


def check_figure(fig: Figure) -> list[str]:
    """Reader-facing problems of ``fig``: each is a sentence naming the axes or legend entry.

    - every axes has an x and a y label, unless it shares that axis with a labelled one, is
      a colorbar with a label, or is exempt (:func:`no_axis_labels`);
    - every legend entry (axes or figure legend) names a series that is visible and draws
      something inside the axes view, and no labelled curve lies hidden under a later one.
    """
    problems = []
    fig.draw_without_rendering()  # final limits and layout
    axes = [ax for ax in fig.axes if ax.get_visible()]
    for i, ax in enumerate(axes):
        if getattr(ax, _NO_LABEL, None):
            continue
        where = f"axes {i} ({ax.get_title() or ax.get_label() or 'untitled'})"
        if _is_colorbar(ax):
            if not (ax.get_ylabel() or ax.get_xlabel()):
                problems.append(f"{where}: colorbar without a label")
            continue
        for name in ("x", "y"):
            axis = ax.xaxis if name == "x" else ax.yaxis
            if not axis.get_visible() or not getattr(ax, f"get_{name}label")():
                if axis.get_visible() and not _shares_labelled(ax, name, axes):
                    problems.append(f"{where}: no {name} label")
    labelled: dict[str, list[Any]] = {}
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            labelled.setdefault(lab, []).append(h)
    legends = [leg for leg in (ax.get_legend() for ax in axes) if leg is not None] + list(fig.legends)
    for leg in legends:
        for text in leg.get_texts():
            lab = text.get_text()
            if not any(_drawn(h) for h in labelled.get(lab, [])):
                problems.append(f"legend entry {lab!r}: its series draws nothing visible in view")
    shown = {text.get_text() for leg in legends for text in leg.get_texts()}
    for ax in axes:
        lines = [ln for ln in ax.get_lines() if ln.get_visible()]
        for i, a in enumerate(lines):
            for b in lines[i + 1:]:
                for hidden, cover in ((a, b), (b, a)):
                    if str(hidden.get_label()) in shown and _hidden_under(hidden, cover,
                                                                          drawn_first=hidden is a):
                        problems.append(f"legend entry {hidden.get_label()!r} is hidden by the curve "
                                        f"{cover.get_label()!r}: merge the labels or draw one wider")
    return sorted(set(problems), key=problems.index)


def _caption_from_script() -> str:
    doc = getattr(sys.modules.get("__main__"), "__doc__", None) or ""
    return " ".join(doc.strip().split("\n\n")[0].split())


def save(fig: Figure, name: str, *, params: Mapping[str, Any], caption: str | None = None) -> list[Path]:
    """Check ``fig`` and write ``name``.pdf/.png/.json; return the paths written.

    Parameters
    ----------
    fig, name
        The figure and its file stem (``<area>_<what>``, the script's name).
    params
        Parameters, seeds and headline numbers of the figure, JSON-serialisable.
    caption
        One or two sentences for the report (default: the first paragraph of the script's
        docstring).

    Raises
    ------
    FigureCheckError
        When :func:`check_figure` finds a problem; nothing is written.
    """
    problems = check_figure(fig)
    if problems:
        plt.close(fig)
        raise FigureCheckError(f"figure {name}: " + "; ".join(problems))
    out = output_dir()
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{name}.pdf", out / f"{name}.png", out / f"{name}.json"]
    fig.savefig(paths[0], metadata={"CreationDate": None, "ModDate": None, "Producer": None,
                                    "Creator": None})
    fig.savefig(paths[1], metadata={"Software": None})
    sidecar = {"figure": name, "fast": fast_mode(), "caption": caption or _caption_from_script(),
               "size_in": [round(float(v), 3) for v in fig.get_size_inches()],
               "params": dict(params), "provenance": provenance()}
    paths[2].write_text(json.dumps(sidecar, indent=2, sort_keys=True, default=str) + "\n")
    plt.close(fig)
    return paths


__all__ = ["TEXT_WIDTH", "Axes", "FigureCheckError", "check_figure", "fast_mode", "figure", "int_axis",
           "legend", "no_axis_labels", "output_dir", "save"]
