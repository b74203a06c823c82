"""A few claims of the area, run with a deliberately broken ingredient, must fail."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import theory.sparse_ot.claims as cl
from theory.claims import registry, run_claim


def _perturbed_plan(r):
    if r.polished_plan is None:
        return r
    return replace(r, polished_plan=r.polished_plan * (1 + 1e-9))


@pytest.mark.parametrize(("claim_id", "name", "make"), [
    ("sparse_ot.semi-dual-column-sums", "plan_from_semi_dual",
     lambda f: lambda alpha, P: f(alpha, P) * (1 + 1e-9)),
    ("sparse_ot.semi-dual-equals-dual-at-beta", "beta_from_alpha",
     lambda f: lambda alpha, P: f(alpha, P) * 1.001),
    ("sparse_ot.conjugates", "max_k", lambda f: lambda x, k, rho: f(x, k, 1.001 * rho)),
    ("sparse_ot.k1-is-ot", "exact_ot", lambda f: lambda a, b, C: f(a, b, C) + 1e-6),
    # a certificate plan off its marginals by 1e-9 relative
    ("sparse_ot.certified-gap", "solve_sparse_ot",
     lambda f: lambda *a, **kw: _perturbed_plan(f(*a, **kw))),
    # a primal bound that dips below brute force
    ("sparse_ot.certified-gap", "solve_sparse_ot",
     lambda f: lambda *a, **kw: replace(f(*a, **kw), polished_value=f(*a, **kw).polished_value - 1e-8)),
])
def test_claim_fails_when_broken(monkeypatch, claim_id, name, make):
    c = registry()[claim_id]
    assert run_claim(c, fast=True).passed
    monkeypatch.setattr(cl, name, make(getattr(cl, name)))
    res = run_claim(c, fast=True)
    assert not res.passed and np.isfinite(res.measured)
