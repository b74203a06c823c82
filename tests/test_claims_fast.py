"""Every registered claim passes in --fast mode (one test per claim, run in parallel)."""

from __future__ import annotations

import pytest

from theory.claims import registry, run_claim

CLAIMS = sorted(registry())


@pytest.mark.parametrize("claim_id", CLAIMS)
def test_claim_fast(claim_id):
    res = run_claim(registry()[claim_id], fast=True, seed=0)
    assert res.error is None, res.error
    assert res.passed, f"{claim_id}: measured {res.measured} vs tol {res.direction} {res.tol}"
