"""Sequential RDFs: NRDF (two routes), block and feed-forward RDFs on a binary symmetric Markov source."""

from __future__ import annotations

import numpy as np
import pytest

from theory.semantic import (
    block_rate_distortion,
    bsms_nrdf,
    feedforward_rate_distortion,
    markov_source,
    nonanticipative_rate_distortion,
    nrdf_ba,
)
from theory.semantic.rate_distortion import h2, star

H2 = 1.0 - np.eye(2)


def bsms(n, p=0.2):
    return markov_source([0.5, 0.5], [[1 - p, p], [p, 1 - p]], n)


def test_n1_all_three_equal_classical():
    src = bsms(1)
    D = 0.1
    ref = 1 - h2(D)
    for f in (nonanticipative_rate_distortion, block_rate_distortion, feedforward_rate_distortion):
        assert f(src, H2, D=D).rate == pytest.approx(ref, abs=1e-6)


def test_ordering_and_causality_n2():
    src = bsms(2)
    na = nonanticipative_rate_distortion(src, H2, D=0.1)
    ba = nonanticipative_rate_distortion(src, H2, D=0.1, method="ba")
    bl = block_rate_distortion(src, H2, D=0.1)
    ff = feedforward_rate_distortion(src, H2, D=0.1)
    assert ff.rate <= bl.rate + 1e-6 <= na.rate + 2e-6
    assert na.rate == pytest.approx(ba.rate, abs=1e-6)
    assert na.causality_violation < 1e-8 and ba.causality_violation < 1e-12
    assert bl.causality_violation > 1e-2                     # negative control: block kernel looks ahead
    assert na.distortion == pytest.approx(0.1, abs=1e-6)
    assert na.beta == pytest.approx(ba.beta, rel=1e-3)


def test_stationary_bsms_formula_is_the_per_letter_limit():
    # per-stage total: first letter 1 - h(D), then h(p*D) - h(D) per letter
    p, D = 0.2, 0.1
    r = nonanticipative_rate_distortion(bsms(3, p), H2, D=D, per_stage=True)
    assert 3 * r.rate == pytest.approx((1 - h2(D)) + 2 * bsms_nrdf(p, D), abs=1e-6)
    assert bsms_nrdf(p, D) == pytest.approx(h2(star(p, D)) - h2(D))


def test_nrdf_ba_at_fixed_beta_lowers_lagrangian_to_cvx_value():
    src = bsms(2)
    r = nrdf_ba(src, H2, beta=2.0)
    assert r.status == "optimal"
    cvx = nonanticipative_rate_distortion(src, H2, D=r.distortion)
    assert r.rate == pytest.approx(cvx.rate, abs=1e-6)


def test_zero_rate_and_errors():
    src = bsms(2)
    z = nonanticipative_rate_distortion(src, H2, D=0.6)
    assert z.rate == 0.0 and z.status == "zero_rate"
    with pytest.raises(ValueError):
        nonanticipative_rate_distortion(src, H2, D=-0.1)
    with pytest.raises(ValueError):
        nonanticipative_rate_distortion(src, np.ones((3, 2)), D=0.1)
    with pytest.raises(ValueError):
        nonanticipative_rate_distortion(src, H2, D=0.1, method="ba", per_stage=True)
    with pytest.raises(ValueError):
        nonanticipative_rate_distortion(src * 2, H2, D=0.1)
    with pytest.raises(ValueError):
        block_rate_distortion(src, -H2, D=0.1)
    with pytest.raises(ValueError):
        markov_source([0.5, 0.5], [[0.5, 0.6], [0.5, 0.5]], 2)
