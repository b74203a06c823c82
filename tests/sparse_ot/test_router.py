"""Toy "experts choose tokens" router and its load statistics."""

from __future__ import annotations

import numpy as np
import pytest

from theory.sparse_ot import compute_capacity, load_statistics, route


def test_capacity_rounding():
    assert compute_capacity(32, 4, 1.0) == 8
    assert compute_capacity(30, 4, 1.0) == 8  # ceil(7.5) = 8
    assert compute_capacity(10, 4, 1.0) == 4  # ceil(2.5) = 3 -> 4
    assert compute_capacity(3, 1, 2.0) == 3  # clipped to S


def test_experts_choose_respects_capacity_and_balances_load():
    logits = np.random.default_rng(0).normal(size=(64, 8))
    r = route(logits, method="experts-choose", capacity_factor=1.0)
    assert r.stats["expert_nnz_max"] <= r.k == 8
    assert r.stats["col_error"] < 1e-12  # every expert gets exactly S/E mass
    np.testing.assert_allclose(r.dispatch.sum(0), 8.0, atol=1e-12)
    assert np.all((r.combine > 0) == (r.dispatch > 0))


def test_tokens_choose_and_topk_baseline():
    logits = np.random.default_rng(1).normal(size=(32, 4))
    tc = route(logits, method="tokens-choose", num_selected=2)
    assert tc.stats["token_nnz_max"] <= 2 and tc.stats["row_error"] < 1e-12
    top = route(logits, method="softmax-topk", num_selected=1)
    assert top.solution is None and top.stats["token_nnz_min"] == 1


def test_load_statistics_counts():
    D = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 0.0]])
    s = load_statistics(D, capacity=1)
    assert s["expert_nnz_max"] == 2 and s["token_nnz_min"] == 0
    assert s["dropped_tokens"] == pytest.approx(1 / 3) and s["overflow_experts"] == 0.5


def test_bad_method():
    with pytest.raises(ValueError, match="method"):
        route(np.zeros((4, 2)), method="random")
