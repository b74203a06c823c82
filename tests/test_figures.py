"""The reader-facing checks of ``theory.figures`` (run by ``save`` on every figure).

Each rule is shown to fire on a broken figure and to stay quiet on a correct one; the figure
scripts themselves are run by ``tests/test_scripts.py``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from theory import figures
from theory._provenance import VOLATILE, provenance, stable
from theory.figures import FigureCheckError, check_figure, figure, int_axis, legend, no_axis_labels, save


def _good():
    fig, ax = figure(width=0.5)
    ax.plot([0, 1, 2], [0, 1, 4], label="$k^2$")
    ax.set_xlabel("$k$")
    ax.set_ylabel("value")
    return fig, ax


def test_a_labelled_figure_passes():
    fig, ax = _good()
    legend(ax)
    assert check_figure(fig) == []


def test_missing_labels_are_reported():
    fig, ax = _good()
    ax.set_ylabel("")
    assert check_figure(fig) == ["axes 0 (untitled): no y label"]


def test_shared_axes_need_one_label_and_exemptions_need_a_reason():
    fig, axes = figure(1, 2, sharey=True)
    for ax in axes:
        ax.plot([0, 1], [0, 1])
        ax.set_xlabel("x")
    axes[0].set_ylabel("y")
    assert check_figure(fig) == []
    fig, ax = figure()
    ax.imshow(np.eye(3))
    with pytest.raises(ValueError, match="reason"):
        no_axis_labels(ax, "")
    no_axis_labels(ax, "an image")
    assert check_figure(fig) == []


def test_legend_entry_outside_the_view_is_reported():
    fig, ax = _good()
    ax.plot([5, 6], [50, 60], label="off screen")
    ax.set_xlim(0, 2)
    ax.set_ylim(0, 4)
    ax.legend()
    assert check_figure(fig) == ["legend entry 'off screen': its series draws nothing visible in view"]


def test_curve_hidden_under_another_is_reported_and_a_wide_underlay_is_not():
    x = np.linspace(0, 1, 50)
    fig, ax = _good()
    ax.plot(x, x**2, ":", color="C1", label="bound")
    ax.plot(x, x**2, ":", color="C2", label="solver")  # same dashes on top: 'bound' vanishes
    ax.legend()
    assert any("'bound' is hidden" in p for p in check_figure(fig))
    fig, ax = _good()
    ax.plot(x, x**2, color="0.7", lw=4, label="bound")  # wide and pale underneath
    ax.plot(x, x**2, color="C2", lw=1, label="solver")
    ax.legend()
    assert check_figure(fig) == []
    fig, ax = _good()
    ax.plot(x, x**2, color="C1", label="solver")
    ax.plot(x, x**2, "--", color="C1", label="closed form")  # dashes vanish in their own colour
    ax.legend()
    assert any("'closed form' is hidden" in p for p in check_figure(fig))


def test_axhline_and_bars_count_as_drawn():
    fig, ax = _good()
    ax.axhline(2.0, color="k", label="level")
    ax.bar([0.5, 1.5], [1, 2], width=0.3, label="bars")
    int_axis(ax, "x")
    legend(ax, loc="below")
    assert check_figure(fig) == []


def test_save_refuses_a_broken_figure_and_records_caption_and_provenance(tmp_path, monkeypatch):
    monkeypatch.setenv("THEORY_FIG_DIR", str(tmp_path))
    fig, ax = _good()
    ax.set_xlabel("")
    with pytest.raises(FigureCheckError, match="no x label"):
        save(fig, "broken", params={})
    assert not list(tmp_path.iterdir())
    fig, _ = _good()
    paths = save(fig, "good", params={"n": 3}, caption="A parabola.")
    doc = json.loads(paths[2].read_text())
    assert doc["caption"] == "A parabola." and doc["params"] == {"n": 3}
    assert doc["size_in"] == [0.5 * figures.TEXT_WIDTH, pytest.approx(2.2)]
    assert set(VOLATILE) <= set(doc["provenance"]) and "numpy" in doc["provenance"]["versions"]


def test_stable_drops_only_volatile_fields():
    prov = provenance()
    a = {"params": {"n": 1}, "provenance": prov}
    b = {"params": {"n": 1}, "provenance": dict(prov, date="1970-01-01T00:00:00Z", commit="x")}
    assert stable(a) == stable(b)
    assert stable(a) != stable({"params": {"n": 2}, "provenance": prov})
