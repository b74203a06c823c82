"""Rate-reward, directed rate-reward, information bottleneck, semantic flow and token identities."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from theory.semantic import (
    directed_rate_reward,
    dsbs,
    elbo,
    free_energy,
    gerber_bound,
    ib_dsbs,
    information_bottleneck,
    kl_regularized_value,
    open_loop_value,
    rate_reward,
    sample_flow_paths,
    semantic_flow,
    semantic_flow_drifts,
    sequence_cross_entropy,
)
from theory.testing import law_error

PX = np.array([0.5, 0.3, 0.2])
R = np.array([[1.0, 0.2, 0.0], [0.1, 0.9, 0.3], [0.4, 0.0, 0.8]])


def test_rate_reward_limits_and_routes():
    lo = float((PX @ R).max())
    assert rate_reward(PX, R, rho=lo - 0.05).rate == 0.0
    assert rate_reward(PX, R, rho=2.0).status == "infeasible"
    ba = rate_reward(PX, R, rho=0.7)
    cvx = rate_reward(PX, R, rho=0.7, method="cvx")
    assert ba.reward == pytest.approx(0.7, abs=1e-10)
    assert ba.rate == pytest.approx(cvx.rate, abs=1e-6)
    assert law_error(ba.policy, axis=1) <= 1e-12


def test_kl_value_below_free_energy():
    F, nu = free_energy(PX, R, 2.0)
    J_unif, _ = kl_regularized_value(PX, R, np.full(3, 1 / 3), 2.0)
    J_opt, _ = kl_regularized_value(PX, R, nu, 2.0)
    assert J_unif < F - 1e-3
    assert J_opt == pytest.approx(F, abs=1e-10)


def two_turn():
    e0 = np.array([0.5, 0.5])
    e1 = np.zeros((2, 2, 2))
    for x1, y1 in itertools.product(range(2), repeat=2):
        e1[x1, y1, y1], e1[x1, y1, 1 - y1] = 0.8, 0.2
    r = np.zeros((2, 2, 2, 2))
    for x1, y1, x2, y2 in itertools.product(range(2), repeat=4):
        r[x1, y1, x2, y2] = (x1 == y1) + (x2 == y2)
    return [e0, e1], r


def test_directed_rate_reward_routes_and_feedback():
    env, r = two_turn()
    a = directed_rate_reward(env, r, rho=1.7)
    b = directed_rate_reward(env, r, rho=1.7, method="ba")
    assert a.rate == pytest.approx(b.rate, abs=1e-6)
    assert a.reward == pytest.approx(1.7, abs=1e-6)
    assert a.feedback_information > 1e-3
    assert a.mutual_information == pytest.approx(a.rate + a.feedback_information, abs=1e-12)
    z = directed_rate_reward(env, r, rho=open_loop_value(env, r) - 0.01)
    assert z.rate == pytest.approx(0.0, abs=1e-12) and z.status == "zero_rate"


def test_directed_rate_reward_errors():
    env, r = two_turn()
    with pytest.raises(ValueError):
        directed_rate_reward(env, r)
    with pytest.raises(ValueError):
        directed_rate_reward(env, r[..., 0], rho=1.0)
    with pytest.raises(ValueError):
        directed_rate_reward([env[0], env[1][..., :1]], r, rho=1.0)


def test_ib_dsbs_curve_and_extremes():
    pxy = dsbs(0.1)
    res = information_bottleneck(pxy, beta=5.0, cardinality=2, restarts=3, rng=0)
    assert res.i_ty == pytest.approx(gerber_bound(0.1, res.i_xt), abs=1e-6)
    low = information_bottleneck(pxy, beta=0.5, cardinality=2, restarts=3, rng=0)
    assert low.i_xt < 1e-6                                   # below the critical beta T is trivial
    ixt, ity = ib_dsbs(0.1, np.array([0.0, 0.5]))
    np.testing.assert_allclose(ixt, [1.0, 0.0], atol=1e-12)
    with pytest.raises(ValueError):
        information_bottleneck(pxy, beta=-1.0, cardinality=2)


def test_semantic_flow_deterministic_model_reaches_entropy():
    # tokens reveal S exactly at the first step: flow = H(S) from t = 1
    prior = np.array([0.25, 0.75])
    init = np.eye(2)
    T = np.stack([np.tile([1.0, 0.0], (2, 1)), np.tile([0.0, 1.0], (2, 1))])
    f = semantic_flow(prior, init, T, 4)
    Hs = -(0.25 * np.log2(0.25) + 0.75 * np.log2(0.75))
    np.testing.assert_allclose(f, Hs, atol=1e-14)


def test_semantic_flow_classes_grow_polynomially():
    rng = np.random.default_rng(3)
    prior = rng.dirichlet(np.ones(2))
    init = rng.dirichlet(np.ones(2), size=2)
    T = rng.dirichlet(np.ones(2), size=(2, 2))
    dr = semantic_flow_drifts(prior, init, T, 30)
    assert dr.classes[-1] < 2 ** 12                         # vs 2^30 sequences
    f = semantic_flow(prior, init, T, 30)
    assert np.all(np.diff(f) >= -1e-14)
    iota, comp = sample_flow_paths(prior, init, T, 5, 50, rng=0)
    assert iota.shape == comp.shape == (50, 5) and np.all(np.diff(comp, axis=1) >= -1e-15)


def test_flow_errors():
    with pytest.raises(ValueError):
        semantic_flow([0.5, 0.5], np.eye(2), np.ones((2, 2, 3)) / 3, 3)
    with pytest.raises(ValueError):
        semantic_flow([0.5, 0.6], np.eye(2), np.ones((2, 2, 2)) / 2, 3)
    with pytest.raises(ValueError):
        semantic_flow([0.5, 0.5], np.eye(2), np.ones((2, 2, 2)) / 2, 0)


def test_cross_entropy_and_elbo():
    P = np.array([[0.4, 0.1], [0.2, 0.3]])
    assert sequence_cross_entropy(P, P) == pytest.approx(-np.sum(P * np.log2(P)), abs=1e-14)
    val, logpx, kl = elbo([0.5, 0.5], [[0.9, 0.1], [0.2, 0.8]], [0.5, 0.5], 0)
    assert logpx - val == pytest.approx(kl, abs=1e-14) and kl > 0
    with pytest.raises(ValueError):
        sequence_cross_entropy(P, np.array([[0.5, 0.5], [0.0, 0.0]]))
