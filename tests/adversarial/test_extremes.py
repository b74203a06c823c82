"""Extreme but valid inputs (near-point masses, 1e-300 and subnormal entries, zeros, float32
rounding, huge and tiny costs) through bundles of related calls in the area's sandbox: results
inside their proven bounds and equal to an independent exact route. The CI profile draws a few
examples per area; ``-m slow`` runs a larger one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.adversarial.runner import run
from tests.adversarial.sandbox import count, sandbox
from tests.adversarial.strategies import extreme_costs, extreme_joints, extreme_pmfs, extreme_stochastic

FAST = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
LARGE = settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))


def _bundle(area: str, bundle: str, *data: object) -> None:
    kind, detail = sandbox(area, run).call(("bundle", bundle, data), 60.0)
    assert kind == "ok", f"{bundle}{data}: {kind}: {detail}"
    count(area, int(detail))


@st.composite
def _pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    v = draw(st.integers(2, 5))
    return draw(extreme_pmfs(v)), draw(extreme_pmfs(v)), draw(st.integers(1, 3))


@st.composite
def _sparse(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    m, n = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    return (draw(extreme_pmfs(m, tiny=True)), draw(extreme_pmfs(n, tiny=True)), draw(extreme_costs(m, n)),
            draw(st.integers(1, m)))


def _speculative(case: tuple[np.ndarray, np.ndarray, int]) -> None:
    _bundle("speculative", "speculative_pair", *case)


def _semantic(joint: np.ndarray) -> None:
    d = 1.0 - np.eye(joint.shape[0], joint.shape[1])
    _bundle("semantic", "semantic_joint", joint, d)


def _sparse_ot(case: tuple[np.ndarray, np.ndarray, np.ndarray, int]) -> None:
    _bundle("sparse_ot", "sparse_marginals", *case)


def _tokenization(cond: np.ndarray, p: float) -> None:
    _bundle("tokenization", "tokenization_source", cond, p)


def _attention(scale: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    _bundle("attention_svm", "attention_logits", rng.standard_normal((3, 4, 2)), scale * np.eye(2))


_p01 = st.sampled_from([0.0, 1.0, 5e-324, 1e-300, 0.5, 1 - 1e-16])
_scales = st.sampled_from([1e-300, 1.0, 1e3, 1e150, 1e300])


@FAST
@given(_pairs())
def test_speculative_extremes(case):
    _speculative(case)


@FAST
@given(extreme_joints())
def test_semantic_extremes(joint):
    _semantic(joint)


@FAST
@given(_sparse())
def test_sparse_ot_extremes(case):
    _sparse_ot(case)


@FAST
@given(extreme_stochastic(2), _p01)
def test_tokenization_extremes(cond, p):
    _tokenization(cond, p)


@FAST
@given(_scales, st.integers(0, 2**16))
def test_attention_svm_extremes(scale, seed):
    _attention(scale, seed)


@pytest.mark.slow
@LARGE
@given(_pairs())
def test_speculative_extremes_large(case):
    _speculative(case)


@pytest.mark.slow
@LARGE
@given(extreme_joints())
def test_semantic_extremes_large(joint):
    _semantic(joint)


@pytest.mark.slow
@LARGE
@given(_sparse())
def test_sparse_ot_extremes_large(case):
    _sparse_ot(case)


@pytest.mark.slow
@LARGE
@given(extreme_stochastic(2), _p01)
def test_tokenization_extremes_large(cond, p):
    _tokenization(cond, p)


@pytest.mark.slow
@LARGE
@given(_scales, st.integers(0, 2**16))
def test_attention_svm_extremes_large(scale, seed):
    _attention(scale, seed)
