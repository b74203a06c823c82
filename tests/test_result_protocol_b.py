"""Result protocol of semantic and attention_svm: core fields, read-only diagnostics, old names.

Every solver result listed in :data:`PROTOCOL_TYPES` derives from
:class:`theory._result.SolverResult`; the fields it had before the protocol keep working as
aliases (a user's script must not break).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from theory._result import SolverResult
from theory.attention_svm import AttSVMResult, solve_att_svm
from theory.semantic import (
    DirectedRateRewardResult,
    IBResult,
    NRDFResult,
    RateRewardResult,
    RDResult,
    directed_rate_reward,
    dsbs,
    information_bottleneck,
    markov_source,
    nonanticipative_rate_distortion,
    rate_distortion,
    rate_reward,
)

PROTOCOL_TYPES = (RDResult, NRDFResult, RateRewardResult, DirectedRateRewardResult, IBResult,
                  AttSVMResult)
HAMMING = 1.0 - np.eye(2)


def _results() -> dict[type, SolverResult]:
    p = np.array([0.8, 0.2])
    src = markov_source(np.array([0.5, 0.5]), np.array([[0.9, 0.1], [0.1, 0.9]]), 2)
    env = [np.array([0.5, 0.5]), np.full((2, 2, 2), 0.5)]
    r = np.eye(2)[:, :, None, None] + np.eye(2)[None, None, :, :]  # (x1 == y1) + (x2 == y2)
    X = np.array([[[1.0, 0.0], [0.0, 1.0]]])
    Z = np.array([[1.0, 0.0]])
    return {
        RDResult: rate_distortion(p, HAMMING, D=0.1),
        NRDFResult: nonanticipative_rate_distortion(src, HAMMING, D=0.1),
        RateRewardResult: rate_reward(p, np.eye(2), rho=0.9),
        DirectedRateRewardResult: directed_rate_reward(env, r, beta=1.0, method="ba"),
        IBResult: information_bottleneck(dsbs(0.1), beta=5.0, cardinality=2, rng=0),
        AttSVMResult: solve_att_svm(X, Z, np.array([0])),
    }


@pytest.fixture(scope="module")
def results() -> dict[type, SolverResult]:
    return _results()


@pytest.mark.parametrize("cls", PROTOCOL_TYPES, ids=lambda c: c.__name__)
def test_type_follows_the_protocol(cls, results):
    assert issubclass(cls, SolverResult)
    assert dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen
    res = results[cls]
    assert isinstance(res.value, float) and isinstance(res.status, str)
    assert res.status == res.status.strip() and " " not in res.status
    assert isinstance(res.converged, bool) and isinstance(res.n_iter, int)
    with pytest.raises(TypeError):
        res.diagnostics["x"] = 1.0  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.value = 0.0  # type: ignore[misc]


def test_old_field_names_still_work(results):
    rd = results[RDResult]
    assert rd.rate == rd.value and rd.status == "optimal" and rd.converged
    assert rd.value == pytest.approx(0.7219280948873623 - 0.4689955935892812, abs=1e-9)  # h(.2) - h(.1)
    assert results[NRDFResult].rate == results[NRDFResult].value
    assert results[RateRewardResult].rate == results[RateRewardResult].value
    assert results[DirectedRateRewardResult].rate == results[DirectedRateRewardResult].value
    ib = results[IBResult]
    assert ib.lagrangian == ib.value == pytest.approx(ib.i_xt - 5.0 * ib.i_ty, abs=1e-15)
    att = results[AttSVMResult]
    assert att.objective == att.value and att.iterations == att.n_iter


def test_former_tuples_still_unpack():
    from theory.attention_svm import AttentionInstance, random_instance, reference_instance
    from theory.semantic import CapacityResult, Waterfilling, channel_capacity, reverse_waterfilling

    cap = channel_capacity([[0.9, 0.1], [0.1, 0.9]])
    assert isinstance(cap, CapacityResult) and isinstance(cap, SolverResult)
    lo, hi, r = cap
    assert (lo, hi) == (cap.lower, cap.upper) and r is cap.input_law and cap[0] == lo and len(cap) == 3
    assert cap.status == "optimal" and cap.converged and cap.n_iter >= 1 and cap.value == lo
    assert lo <= 1 - 0.4689955935892812 <= hi and hi - lo < 1e-12

    wf = reverse_waterfilling([4.0, 1.0, 0.25], 1.5)
    assert isinstance(wf, Waterfilling)
    R, Di, theta = wf
    assert R == wf.rate == wf.value and Di is wf.distortions and theta == wf.theta == 0.625
    assert wf[:2] == (R, Di)

    inst = random_instance(3, 4, 5, rng=0)
    assert isinstance(inst, AttentionInstance)
    X, Z, Y, v = inst
    assert X is inst.X and v is inst.v and inst[:2] == (X, Z)
    assert [a.shape for a in reference_instance(2)] == [(3, 2, 2), (3, 2), (3,), (2,)]
    with pytest.raises(dataclasses.FrozenInstanceError):
        inst.X = X  # type: ignore[misc]


def test_rd_problem_is_validated_and_kept_by_its_results():
    from theory.semantic import RDProblem

    prob = RDProblem([0.8, 0.2], HAMMING)
    assert prob.D_min == 0.0 and prob.D_max == pytest.approx(0.2)
    with pytest.raises(ValueError, match="p"):
        RDProblem([0.9, 0.9], HAMMING)
    with pytest.raises(ValueError):
        prob.p[0] = 0.5  # read-only
    ba = rate_distortion(prob, D=0.1)
    cvx = rate_distortion(prob, D=0.1, method="cvx")
    by_arrays = rate_distortion([0.8, 0.2], HAMMING, D=0.1)
    assert ba.problem is prob and cvx.problem is prob
    assert ba.value == by_arrays.value and abs(ba.value - cvx.value) < 1e-6
    assert ba.distortion_error < 1e-15 and ba.joint.sum() == pytest.approx(1.0, abs=1e-15)
    assert prob.rate(ba.test_channel) == pytest.approx(ba.value, abs=1e-14)
    with pytest.raises(ValueError, match="d"):
        rate_distortion(prob, HAMMING, D=0.1)
    with pytest.raises(ValueError, match="d"):
        rate_distortion([0.8, 0.2], D=0.1)


def test_att_svm_problem_is_validated_and_kept_by_its_results():
    from theory.attention_svm import AttSVMProblem, reference_instance, solve_att_svm_cvxpy
    from theory.attention_svm.instances import WMM_INST2

    X, Z, _, _ = reference_instance(2)
    prob = AttSVMProblem(X, Z, [0, 0, 0])
    with pytest.raises(ValueError, match="alpha"):
        AttSVMProblem(X, Z, [0, 0, 5])
    with pytest.raises(ValueError):
        prob.X[0, 0, 0] = 2.0  # read-only
    active, cvx = solve_att_svm(prob), solve_att_svm_cvxpy(prob)
    assert active.problem is prob and cvx.problem is prob
    np.testing.assert_allclose(active.W, WMM_INST2, atol=1e-9)
    assert active.value == solve_att_svm(X, Z, [0, 0, 0]).value
    assert abs(active.value - cvx.value) < 1e-4
    assert prob.constraints.D.shape == (3, 2)
    with pytest.raises(ValueError, match="alpha"):
        solve_att_svm(prob, Z, [0, 0, 0])
    with pytest.raises(ValueError, match="alpha"):
        solve_att_svm(X, Z)
