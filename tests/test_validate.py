"""Input validation: every bad input raises ValueError naming the argument."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from tests.strategies import cost_matrices, joint_pmfs, pmfs, stochastic_matrices
from theory import _validate as v


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ([0.5, np.nan, 0.5], "non-finite"),
        ([0.5, np.inf, 0.5], "non-finite"),
        ([1.2, -0.2], "non-negative"),
        ([0.3, 0.3], "sum to 1"),
        ([[0.5, 0.5]], "1-d"),
        ([], "empty"),
        (["a", "b"], "float"),
    ],
)
def test_as_pmf_rejects(bad, fragment):
    with pytest.raises(ValueError, match="target") as info:
        v.as_pmf(bad, "target")
    assert fragment in str(info.value)


def test_as_pmf_size_and_tolerance():
    with pytest.raises(ValueError, match="draft: expected length 3"):
        v.as_pmf([0.5, 0.5], "draft", size=3)
    v.as_pmf([0.5, 0.5 + 5e-10], "p")  # within 1e-9
    with pytest.raises(ValueError, match="within 1e-09"):
        v.as_pmf([0.5, 0.5 + 5e-9], "p")


def test_stochastic_matrix_names_row():
    P = np.array([[0.5, 0.5], [0.2, 0.7]])
    with pytest.raises(ValueError, match=r"P: every row must sum to 1.*row \(1,\)"):
        v.as_stochastic_matrix(P, "P")
    with pytest.raises(ValueError, match="K: expected shape"):
        v.as_stochastic_matrix(np.eye(2), "K", shape=(3, None))
    with pytest.raises(ValueError, match="at least a 2-d"):
        v.as_stochastic_matrix([0.5, 0.5], "K")
    with pytest.raises(ValueError, match="non-finite"):
        v.as_stochastic_matrix([[np.nan, 1.0]], "K")
    with pytest.raises(ValueError, match="non-negative"):
        v.as_stochastic_matrix([[-0.5, 1.5]], "K")


def test_joint_and_cost_and_scalars():
    with pytest.raises(ValueError, match="joint: must sum to 1"):
        v.as_joint_pmf(np.full((2, 2), 0.3), "joint")
    with pytest.raises(ValueError, match="C: expected shape"):
        v.as_cost_matrix(np.zeros((2, 3)), "C", shape=(3, 2))
    with pytest.raises(ValueError, match="C: contains 1 non-finite"):
        v.as_cost_matrix([[0.0, np.nan]], "C")
    assert v.as_cost_matrix([[-1.0, 2.0]], "C").shape == (1, 2)  # negative costs allowed
    with pytest.raises(ValueError, match="k: must be >= 1"):
        v.as_int(0, "k", min_value=1)
    with pytest.raises(ValueError, match="k: expected an integer"):
        v.as_int(True, "k")
    with pytest.raises(ValueError, match="k: expected an integer"):
        v.as_int(2.0, "k")
    with pytest.raises(ValueError, match="gamma: must be finite and > 0"):
        v.as_positive_float(0.0, "gamma")
    with pytest.raises(ValueError, match="gamma: must be finite"):
        v.as_positive_float(np.nan, "gamma")
    with pytest.raises(ValueError, match="drafts: must be one of"):
        v.as_choice("x", "drafts", ["iid", "wor"])
    with pytest.raises(ValueError, match="Z: expected shape"):
        v.check_shapes(Z=(np.zeros((2, 3)), (2, 4)))


@given(pmfs())
def test_pmf_strategy_is_valid(p):
    np.testing.assert_allclose(v.as_pmf(p).sum(), 1.0, atol=1e-12)


@given(joint_pmfs(), stochastic_matrices(), cost_matrices())
def test_other_strategies_are_valid(joint, P, C):
    v.as_joint_pmf(joint)
    v.as_stochastic_matrix(P)
    v.as_cost_matrix(C)


@pytest.mark.parametrize(
    "bad",
    [np.array([0.5 + 0.1j, 0.5]), [0.5 + 0j, 0.5], np.array([True, False]), [True, False],
     np.array(["0.5", "0.5"]), "0.5", [0.5, "0.5"], [0.5, 0.5j]],
)
def test_non_real_input_is_a_type_error_naming_the_argument(bad):
    # Before: complex arrays were cast to their real part silently (ComplexWarning only).
    with pytest.raises(TypeError, match="target"):
        v.as_pmf(bad, "target")
    with pytest.raises(ValueError, match="target"):  # InputTypeError is both
        v.as_float_array(bad, "target")


@pytest.mark.parametrize("bad", [True, np.bool_(True), 1 + 0j, np.complex128(1), "1", [1.0]])
def test_scalars_reject_bools_complex_text_and_arrays(bad):
    with pytest.raises(ValueError, match="beta"):
        v.as_positive_float(bad, "beta")


def test_float16_rounded_masses_are_refused():
    p = np.full(3, 1 / 3, dtype=np.float16)
    with pytest.raises(ValueError, match="sum to 1"):
        v.as_pmf(p, "p")
