"""The independent routes of semantic and attention_svm live in their areas' ``reference`` modules;
the old entry points (``method="cvx"``, ``svm.solve_att_svm_cvxpy``) still work and give the same values."""

from __future__ import annotations

import numpy as np
import pytest

from theory.semantic.instances import HAMMING2, T2_D, T2_P, two_turn_environment

pytest.importorskip("cvxpy")


def _same(a, b) -> None:
    assert type(a) is type(b) and a.status == b.status
    assert a.value == b.value and a.beta == b.beta


def test_rate_distortion_method_cvx_is_the_reference_route():
    from theory.semantic import RDProblem, rate_distortion
    from theory.semantic.reference import rate_distortion_cvx

    for kwargs in ({"D": 0.2}, {"beta": 2.0}, {"D": 10.0}):
        old = rate_distortion(T2_P, T2_D, method="cvx", **kwargs)
        new = rate_distortion_cvx(T2_P, T2_D, **kwargs)
        _same(old, new)
        np.testing.assert_array_equal(old.test_channel, new.test_channel)
        _same(new, rate_distortion_cvx(RDProblem(T2_P, T2_D), **kwargs))   # problem object or arrays


def test_sequential_method_cvx_is_the_reference_route():
    from theory.semantic import feedforward_rate_distortion, markov_source, nonanticipative_rate_distortion
    from theory.semantic.reference import sequential_rate_distortion_cvx

    src = markov_source([0.5, 0.5], [[0.8, 0.2], [0.2, 0.8]], 2)
    _same(nonanticipative_rate_distortion(src, HAMMING2, D=0.1, method="cvx"),
          sequential_rate_distortion_cvx(src, HAMMING2, D=0.1))
    _same(feedforward_rate_distortion(src, HAMMING2, D=0.1),
          sequential_rate_distortion_cvx(src, HAMMING2, D=0.1, kind="feedforward"))
    block = sequential_rate_distortion_cvx(src, HAMMING2, D=0.1, kind="block")
    ff = sequential_rate_distortion_cvx(src, HAMMING2, D=0.1, kind="feedforward")
    na = sequential_rate_distortion_cvx(src, HAMMING2, D=0.1)
    assert ff.rate <= block.rate + 1e-7 <= na.rate + 2e-7      # R^ff <= R <= R^na
    with pytest.raises(ValueError, match="kind"):
        sequential_rate_distortion_cvx(src, HAMMING2, D=0.1, kind="causal")


def test_directed_rate_reward_method_cvx_is_the_reference_route():
    from theory.semantic import directed_rate_reward
    from theory.semantic.reference import directed_rate_reward_cvx

    env, r = two_turn_environment()
    for kwargs in ({"rho": 1.7}, {"beta": 1.0}, {"rho": 1.0}):
        old = directed_rate_reward(env, r, method="cvx", **kwargs)
        new = directed_rate_reward_cvx(env, r, **kwargs)
        _same(old, new)
        np.testing.assert_array_equal(old.joint, new.joint)


def test_solve_att_svm_cvxpy_old_homes_are_the_reference_route():
    import theory.attention_svm as area
    from theory.attention_svm import reference, reference_instance, svm

    assert svm.solve_att_svm_cvxpy is reference.solve_att_svm_cvxpy is area.solve_att_svm_cvxpy
    X, Z, alpha, *_ = reference_instance(2)
    for norm in ("fro", "nuc"):
        a = svm.solve_att_svm_cvxpy(X, Z, alpha, norm=norm)
        b = reference.solve_att_svm_cvxpy(X, Z, alpha, norm=norm, solver=["CLARABEL"])
        assert a.value == b.value and a.solver == b.solver == "CLARABEL"
    with pytest.raises(TypeError, match="solver"):
        reference.solve_att_svm_cvxpy(X, Z, alpha, solver=[1])
