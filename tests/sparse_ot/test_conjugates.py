"""Conjugates, sparse simplex projection and k-support norm against brute force and exact values."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from theory.sparse_ot import conj_topk, ksupport_sq, max_k, proj_sparse_simplex
from theory.sparse_ot.conjugates import sparse_simplex_columns

X = [0.5, 0.2, 0.4, -0.1]
S = [3.0, -1.0, 2.0, 0.5]


@pytest.mark.parametrize(("k", "y", "m", "om", "grad"), [
    (1, [1, 0, 0, 0], 0.0, 2.25, [1.5, 0, 0, 0]),
    (2, [11 / 20, 0, 9 / 20, 0], 81 / 400, 3.25, [1.5, 0, 1, 0]),
    (3, [7 / 15, 1 / 6, 11 / 30, 0], 67 / 300, 3.3125, [1.5, 0, 1, 0.25]),
    (4, [7 / 15, 1 / 6, 11 / 30, 0], 67 / 300, 3.3125, [1.5, 0, 1, 0.25]),
])
def test_worked_examples(k, y, m, om, grad):
    val, g = max_k(X, k, 1.0)
    assert val == pytest.approx(m, abs=1e-15)
    np.testing.assert_allclose(g, y, atol=1e-15)
    np.testing.assert_allclose(proj_sparse_simplex(X, k), y, atol=1e-15)
    val, g = conj_topk(S, k, 2.0)
    assert val == pytest.approx(om, abs=1e-15)
    np.testing.assert_allclose(g, grad, atol=1e-15)


def _simplex_bruteforce(v, k):
    """Best k-subset projection by enumeration (projection onto a face via sorting)."""
    best, best_y = np.inf, None
    for sub in itertools.combinations(range(v.size), k):
        w = v[list(sub)]
        u = np.sort(w)[::-1]
        css = np.cumsum(u) - 1
        r = np.arange(1, k + 1)
        rho = r[u - css / r > 0][-1]
        y = np.zeros_like(v)
        y[list(sub)] = np.maximum(w - css[rho - 1] / rho, 0)
        d = np.sum((y - v) ** 2)
        if d < best:
            best, best_y = d, y
    return best_y


@given(hnp.arrays(np.float64, st.integers(1, 7), elements=st.floats(-3, 3)), st.integers(1, 8))
def test_projection_is_the_nearest_k_sparse_point(v, k):
    k = min(k, v.size)
    y = proj_sparse_simplex(v, k)
    assert np.count_nonzero(y) <= k and np.all(y >= 0)
    assert y.sum() == pytest.approx(1.0, abs=1e-12)
    yb = _simplex_bruteforce(v, k)
    assert np.sum((y - v) ** 2) <= np.sum((yb - v) ** 2) + 1e-12


def test_adaptive_projection_matches_full_sort():
    rng = np.random.default_rng(3)
    V = rng.normal(size=(200, 50))
    V[:, :10] *= 1e-3  # nearly flat columns: many nonzeros, the adaptive test rejects them
    for k in (40, 100, 200):
        idx, y, theta = sparse_simplex_columns(V, k)
        T = np.zeros_like(V)
        np.add.at(T, (idx, np.broadcast_to(np.arange(50), idx.shape)), y)
        for j in range(50):
            ref = _simplex_bruteforce(V[:, j], 200) if k == 200 else None
            top = np.argsort(-V[:, j])[:k]
            w = V[top, j]
            u = np.sort(w)[::-1]
            css = np.cumsum(u) - 1
            r = np.arange(1, k + 1)
            rho = r[u - css / r > 0][-1]
            expect = np.zeros(200)
            expect[top] = np.maximum(w - css[rho - 1] / rho, 0)
            np.testing.assert_allclose(T[:, j], expect, atol=1e-13)
            if ref is not None:
                np.testing.assert_allclose(T[:, j], ref, atol=1e-13)


def test_ksupport_limits_and_value():
    w = np.array([3.0, 1.0, 2.0, -0.5])
    assert ksupport_sq(w, 1) == pytest.approx(np.abs(w).sum() ** 2)
    assert ksupport_sq(w, 4) == pytest.approx(w @ w)
    assert ksupport_sq(w, 9) == pytest.approx(w @ w)
    assert ksupport_sq(w, 2) == pytest.approx(6.5**2 / 2)
    # k-sparse vectors: the k-support norm is the l2 norm
    assert ksupport_sq([0.0, 2.0, 0.0, -1.0], 2) == pytest.approx(5.0)


@pytest.mark.parametrize("fn", [lambda: max_k([1.0], 0, 1.0), lambda: conj_topk([1.0], 1, 0.0),
                                lambda: proj_sparse_simplex([np.nan], 1), lambda: ksupport_sq([], 1)])
def test_bad_inputs(fn):
    with pytest.raises(ValueError):
        fn()
