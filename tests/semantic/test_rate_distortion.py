"""Rate-distortion: closed forms, certificates, the two routes, edge cases and negative controls."""

from __future__ import annotations

import numpy as np
import pytest

from theory.semantic import (
    blahut_arimoto,
    channel_capacity,
    rate_distortion,
    rd_binary_hamming,
    rd_curve,
    rd_hamming_slb,
    reverse_waterfilling,
)
from theory.semantic.rate_distortion import h2

P2 = np.array([0.8, 0.2])
H2 = 1.0 - np.eye(2)
T2_P = np.array([0.5, 0.3, 0.2])
T2_D = (np.arange(3)[:, None] - np.arange(3)[None, :]) ** 2.0


def test_t1a_binary_hamming_closed_form_and_slope():
    r = rate_distortion(P2, H2, D=0.1)
    assert r.rate == pytest.approx(0.2529325012980811, abs=1e-10)
    assert r.distortion == pytest.approx(0.1, abs=1e-12)
    assert r.beta == pytest.approx(np.log(9), rel=1e-8)
    assert r.lower_bound <= 0.2529325012980811 + 1e-13 <= r.rate + 2e-13
    assert r.status == "optimal"


def test_t1a_at_fixed_beta_and_zero_distortion():
    r = rate_distortion(P2, H2, beta=np.log(9))
    assert r.distortion == pytest.approx(0.1, abs=1e-10)
    assert r.rate == pytest.approx(h2(0.2) - h2(0.1), abs=1e-10)
    r0 = rate_distortion(P2, H2, D=0.0)
    assert r0.rate == pytest.approx(h2(0.2), abs=1e-10)
    assert np.isinf(r0.beta)


def test_zero_rate_beyond_dmax_and_infeasible_below_dmin():
    r = rate_distortion(P2, H2, D=0.25)
    assert r.rate == 0.0 and r.status == "zero_rate" and r.beta == 0.0
    d = H2 + 0.1                      # D_min = 0.1
    bad = rate_distortion(P2, d, D=0.05)
    assert bad.status == "infeasible" and np.isinf(bad.rate)


def test_t1b_uniform_quaternary_equals_slb():
    p = np.full(4, 0.25)
    r = rate_distortion(p, 1 - np.eye(4), D=0.25)
    assert r.rate == pytest.approx(0.7924812503605781, abs=1e-10)
    assert rd_hamming_slb(p, 0.25) == pytest.approx(0.7924812503605781, abs=1e-12)


def test_t1c_slb_tight_then_strict():
    d = 1 - np.eye(3)
    assert rate_distortion(T2_P, d, D=0.1).rate == pytest.approx(0.9164797036, abs=1e-9)
    assert rate_distortion(T2_P, d, D=0.35).rate == pytest.approx(0.2014072419, abs=1e-9)
    r = rate_distortion(T2_P, d, D=0.45).rate
    assert r == pytest.approx(0.0467166163, abs=1e-9)
    assert r > rd_hamming_slb(T2_P, 0.45) + 1e-3


@pytest.mark.parametrize("beta, D, R", [(1, 0.466290153999, 0.222354511170),
                                        (2, 0.145666774405, 0.835248249804),
                                        (3, 0.059904606982, 1.136396800756)])
def test_t2_table_by_beta(beta, D, R):
    r = rate_distortion(T2_P, T2_D, beta=beta)
    assert r.distortion == pytest.approx(D, abs=1e-9)
    assert r.rate == pytest.approx(R, abs=1e-9)


@pytest.mark.parametrize("D, R", [(0.1, 0.980492632894), (0.2, 0.693673405594), (0.5, 0.176619567608)])
def test_t2_table_by_distortion_and_cvx(D, R):
    ba = rate_distortion(T2_P, T2_D, D=D)
    cvx = rate_distortion(T2_P, T2_D, D=D, method="cvx")
    assert ba.rate == pytest.approx(R, abs=1e-9)
    assert cvx.rate == pytest.approx(R, abs=1e-6)
    assert cvx.beta == pytest.approx(ba.beta, rel=1e-3)


def test_t2_dead_letter_channel_at_half():
    r = rate_distortion(T2_P, T2_D, D=0.5)
    expected = np.array([[0.540106, 0.459894, 0], [0.167171, 0.832829, 0], [0.033170, 0.966830, 0]])
    np.testing.assert_allclose(r.test_channel, expected, atol=2e-6)


def test_squarem_same_answer_fewer_iterations():
    plain = blahut_arimoto(T2_P, T2_D, 1.0)
    fast = blahut_arimoto(T2_P, T2_D, 1.0, accelerate=True)
    assert plain.converged and fast.converged
    assert abs(plain.upper - fast.upper) < 1e-11
    assert fast.n_iter < plain.n_iter / 5


def test_negative_control_stopping_on_delta_d_is_inaccurate():
    # Plain BA stopped when the distortion stops moving (|dD| < 1e-8) leaves a large Blahut gap
    # at the slow, dying-letter slope beta = 1 of T2; the gap stop does not.
    K = np.exp(-T2_D)
    q = np.full(3, 1 / 3)
    D_old = np.inf
    for _ in range(100_000):
        Z = K @ q
        W = q[None, :] * K / Z[:, None]
        D = float(np.sum(T2_P[:, None] * W * T2_D))
        if abs(D - D_old) < 1e-8:
            break
        D_old = D
        q = q * ((T2_P / Z) @ K)
    c = (T2_P / (K @ q)) @ K
    gap = float(np.max(np.log(c)) - np.dot(q * c, np.log(c)))
    assert gap > 1e-9
    assert blahut_arimoto(T2_P, T2_D, 1.0).gap < 1e-12


def test_rd_curve_is_convex_and_monotone():
    D, R = rd_curve(T2_P, T2_D, np.linspace(0.5, 5, 12))
    assert np.all(np.diff(D) < 0) and np.all(np.diff(R) > 0)
    slopes = np.diff(R) / np.diff(D)
    assert np.all(np.diff(slopes) < 1e-9)


def test_binary_closed_form_helper_and_waterfilling():
    assert rd_binary_hamming(0.2, 0.3) == 0.0
    R, Di, theta = reverse_waterfilling([4.0, 1.0, 0.25], 1.5)
    assert theta == pytest.approx(0.625) and R == pytest.approx(1.6780719051126378, abs=1e-12)
    np.testing.assert_allclose(Di, [0.625, 0.625, 0.25])


def test_capacity_bsc():
    lo, hi, r = channel_capacity([[0.9, 0.1], [0.1, 0.9]])
    assert lo <= 1 - h2(0.1) + 1e-12 <= hi + 2e-12
    np.testing.assert_allclose(r, [0.5, 0.5], atol=1e-9)


def test_underflowing_kernel_uses_log_domain():
    p = np.array([0.5, 0.5])
    d = np.array([[0.0, 1.0, 800.0], [800.0, 1.0, 0.0]])
    r = rate_distortion(p, d, beta=2.0)
    assert np.isfinite(r.rate) and r.gap < 1e-10
    assert r.test_channel.sum(axis=1) == pytest.approx([1.0, 1.0])


@pytest.mark.parametrize("kwargs", [dict(D=0.1, beta=1.0), dict(), dict(D=-0.1), dict(beta=-1.0),
                                    dict(D=0.1, method="nope")])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        rate_distortion(P2, H2, **kwargs)


@pytest.mark.parametrize("p, d", [([0.5, 0.6], H2), ([0.5, 0.5], np.ones((3, 2))), ([0.5, 0.5], -H2),
                                  ([0.5, 0.5], np.ones(2))])
def test_bad_inputs(p, d):
    with pytest.raises(ValueError):
        rate_distortion(p, d, D=0.1)


@pytest.mark.slow
def test_linear_piece_is_time_shared():
    # log-loss with three soft reproductions: R(D) = H(X) - D is one linear piece (a single slope),
    # so the bisection brackets the slope and time-shares the two channels on either side.
    a = np.array([0.1, 0.5, 0.9])
    d = -np.log2(np.column_stack([a, 1 - a]).T)
    p = np.array([0.3, 0.7])
    r = rate_distortion(p, d, D=0.5)
    H = -np.sum(p * np.log2(p))
    assert "time_shared" in r.diagnostics
    assert r.rate == pytest.approx(H - 0.5, abs=1e-10)
    assert r.distortion == pytest.approx(0.5, abs=1e-12)
    assert r.lower_bound <= H - 0.5 + 1e-12 and r.gap < 1e-6
