"""Gradient-descent simulator: gradients vs finite differences, training records, regularisation path."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from theory.attention_svm import (
    attention_softmax,
    correlation,
    excess_loss,
    loss_and_gradient,
    make_head,
    regularization_path,
    solve_att_svm,
    svm_equivalence,
    train_attention,
)
from theory.attention_svm.dynamics import HEADS, LOSSES


def _data(seed, n=4, T=5, d=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, T, d))
    X /= np.linalg.norm(X, axis=2, keepdims=True)
    Z = rng.standard_normal((n, d))
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    return X, Z, rng.choice([-1.0, 1.0], n), rng


def _fd(f, M, h=1e-5):
    out = np.zeros_like(M)
    for idx in np.ndindex(M.shape):
        E = np.zeros_like(M)
        E[idx] = h
        out[idx] = (f(M + E) - f(M - E)) / (2 * h)
    return out


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("loss", LOSSES)
def test_gradients_match_finite_differences(head, loss):
    X, Z, Y, rng = _data(0)
    v = make_head(None, head, 3, rng=rng).v
    K, Q = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))

    def L(W):
        return loss_and_gradient(X, Z, Y, W, v=v, head=head, loss=loss)[0]

    _, G = loss_and_gradient(X, Z, Y, K @ Q.T, v=v, head=head, loss=loss)
    _, (gK, gQ) = loss_and_gradient(X, Z, Y, (K, Q), v=v, head=head, loss=loss)
    np.testing.assert_allclose(G, _fd(L, K @ Q.T), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(gK, _fd(lambda M: L(M @ Q.T), K), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(gQ, _fd(lambda M: L(K @ M.T), Q), rtol=1e-6, atol=1e-9)


def test_gradient_accurate_at_saturation():
    # Large ||W||: the naive s_t (g_t - f) form loses every digit here; the pairwise form does not.
    X, Z, Y, rng = _data(1)
    v = rng.standard_normal(3)
    W = 40.0 * rng.standard_normal((3, 3))
    L, G = loss_and_gradient(X, Z, Y, W, v=v)
    assert np.all(np.isfinite(G)) and np.abs(G).max() > 0
    np.testing.assert_allclose(G, _fd(lambda M: loss_and_gradient(X, Z, Y, M, v=v)[0], W, h=1e-7),
                               rtol=1e-3, atol=1e-14)


def test_trajectory_records_and_checkpoints():
    X, Z, Y, rng = _data(2)
    v = rng.standard_normal(3)
    tr = train_attention(X, Z, Y, v=v, steps=50, checkpoints=[0, 10, 50])
    assert tr.steps_run == 50 and tr.status == "completed"
    assert tr.norm.shape == tr.loss.shape == tr.max_softmax.shape == (51,)
    assert tr.checkpoints == (0, 10, 50) and tr.iterates.shape == (3, 3, 3)
    np.testing.assert_array_equal(tr.iterates[0], 0.0)
    np.testing.assert_allclose(tr.iterates[-1], tr.W)
    assert tr.norm[1] == pytest.approx(0.1, abs=1e-12)  # a normalised step of length lr from 0
    assert np.all(np.diff(tr.norm) <= 0.1 + 1e-12)
    np.testing.assert_allclose(tr.softmax_final, attention_softmax(X, Z, tr.W))
    assert tr.loss[-1] < tr.loss[0]


def test_kq_training_is_seeded_and_plain_gd_runs():
    X, Z, Y, _ = _data(3)
    a = train_attention(X, Z, Y, param="KQ", steps=20, rng=5)
    b = train_attention(X, Z, Y, param="KQ", steps=20, rng=5)
    np.testing.assert_array_equal(a.W, b.W)
    assert a.K is not None and a.Q is not None
    np.testing.assert_allclose(a.W, a.K @ a.Q.T)
    c = train_attention(X, Z, Y, v=a.v, steps=20, normalized=False, lr=1.0, head="quadratic", loss="exp")
    assert c.loss[-1] < c.loss[0]


def test_zero_gradient_stops():
    X, Z, Y, _ = _data(4)
    tr = train_attention(X, Z, Y, v=np.zeros(3), steps=10)
    assert tr.status == "zero_gradient" and tr.steps_run == 0
    zero = np.zeros((3, 3))
    kq = train_attention(X, Z, Y, v=np.ones(3), param="KQ", init=(zero, zero), steps=5)
    assert kq.status == "zero_gradient"


def test_excess_loss_matches_direct_difference():
    X, Z, Y, rng = _data(5)
    v = rng.standard_normal(3)
    W = rng.standard_normal((3, 3))
    gamma = Y[:, None] * (X @ v)
    g_opt = gamma.max(axis=1)
    direct = loss_and_gradient(X, Z, Y, W, v=v)[0] - np.mean(np.logaddexp(0, -g_opt))
    np.testing.assert_allclose(excess_loss(X, Z, Y, v, W), direct, rtol=1e-10)


def test_regularization_path_agrees_with_slsqp():
    X, Z, Y, rng = _data(6, n=3, T=4, d=2)
    v = rng.standard_normal(2)
    R = 1.0
    path = regularization_path(X, Z, Y, v, [R], restarts=4, steps=600, rng=0)
    assert path.shape == (1, 2, 2) and np.linalg.norm(path[0]) <= R + 1e-12

    def f(w):
        return loss_and_gradient(X, Z, Y, w.reshape(2, 2), v=v)[0]

    ball = [{"type": "ineq", "fun": lambda w: R * R - w @ w}]
    best = min((minimize(f, w0, method="SLSQP", constraints=ball, options={"ftol": 1e-14, "maxiter": 500})
                for w0 in rng.standard_normal((8, 4)) * 0.3), key=lambda r: r.fun)
    assert f(path[0].ravel()) <= best.fun + 1e-9


def test_w_gd_aligns_with_svm_on_instance_one():
    X = np.array([[[-0.1, 1.0], [1.0, 0.0], [0.0, 0.0]]])
    tr = train_attention(X, [[1.0, 0.0]], [1.0], v=[0.9, 1.09], steps=1000)
    assert correlation(tr.W, solve_att_svm(X, [[1.0, 0.0]], [0]).W) > 0.9999


def test_svm_equivalence_singleton_is_att_svm():
    X, Z, Y, rng = _data(7, n=3, T=4, d=5)
    tr = train_attention(X, Z, Y, v=rng.standard_normal(5), steps=1500)
    eq = svm_equivalence(X, Z, tr.softmax_final, tr.W)
    ref = solve_att_svm(X, Z, tr.softmax_final.argmax(axis=1))
    assert eq.status == "optimal" and eq.selected.sum() == 3
    np.testing.assert_allclose(eq.W_dir, ref.W, atol=1e-9)
    np.testing.assert_array_equal(eq.W_fin, 0.0)
    assert eq.R > 0
    with pytest.raises(ValueError, match="threshold"):
        svm_equivalence(X, Z, tr.softmax_final, tr.W, threshold=2.0)


@pytest.mark.parametrize("kwargs, match", [
    ({"head": "tanh"}, "head"),
    ({"loss": "hinge"}, "loss"),
    ({"param": "V"}, "param"),
    ({"steps": -1}, "steps"),
    ({"lr": 0.0}, "lr"),
    ({"v": np.ones(4)}, "v"),
    ({"init": np.ones((2, 2))}, "init"),
    ({"param": "KQ", "init": np.ones((3, 3))}, "init"),
])
def test_train_bad_input_raises(kwargs, match):
    X, Z, Y, _ = _data(8)
    args = {"steps": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        train_attention(X, Z, Y, **args)


def test_bad_labels_raise():
    X, Z, _, _ = _data(9)
    with pytest.raises(ValueError, match="Y"):
        train_attention(X, Z, np.array([1.0, 0.0, 1.0, 1.0]), steps=1)


def test_classify_global_and_local():
    from theory.attention_svm import classify, reference_instance, token_scores

    X, Z, Y, v = reference_instance(1)
    gamma = token_scores(X, Y, v)
    glob = train_attention(X, Z, Y, v=v, steps=1500)
    loc = train_attention(X, Z, Y, v=v, steps=1500, init=np.array([[0.0, 0.0], [-1.0, 0.0]]))
    assert classify(X, Z, gamma, glob.W) == "global"
    assert classify(X, Z, gamma, loc.W) == "local"
    assert classify(X, Z, gamma, np.zeros((2, 2))) == "other"  # uniform attention: not converged


def test_svm_equivalence_bad_input():
    X, Z, _, _ = _data(10, n=2, T=3, d=2)
    with pytest.raises(ValueError, match="softmax_final"):
        svm_equivalence(X, Z, np.ones((2, 2)) / 2, np.eye(2))
    with pytest.raises(ValueError, match="W_final"):
        svm_equivalence(X, Z, np.ones((2, 3)) / 3, np.eye(3))
