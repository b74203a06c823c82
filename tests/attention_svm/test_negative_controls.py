"""Negative controls: attention_svm claims run with one ingredient broken on purpose must fail."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import theory.attention_svm.claims as cl
from theory.claims import registry, run_claim


def _scaled_multipliers(solve):
    """Multipliers off by a relative 1e-6: W = sum lambda A no longer holds."""
    def broken(*args, **kwargs):
        res = solve(*args, **kwargs)
        return dataclasses.replace(res, multipliers=res.multipliers * (1 + 1e-6))
    return broken


def _next_token(solve):
    """The SVM of the wrong token selection: alpha_i + 1 instead of alpha_i."""
    def broken(X, Z, alpha, **kwargs):
        return solve(X, Z, (np.asarray(alpha) + 1) % np.shape(X)[1], **kwargs)
    return broken


def _no_causal_mask(flatten):
    def broken(X_seq, queries="all", *, causal=False):
        return flatten(X_seq, queries, causal=False)
    return broken


@pytest.mark.parametrize(("claim_id", "name", "make"), [
    ("attention_svm.fro-kkt", "solve_att_svm", _scaled_multipliers),
    ("attention_svm.reference-instances", "solve_att_svm", _next_token),
    ("attention_svm.infeasible-iff-hull", "solve_att_svm", _next_token),
    ("attention_svm.init-global-local", "solve_att_svm", _next_token),
    ("attention_svm.flatten", "flatten_queries", _no_causal_mask),
    ("attention_svm.overparam-feasible", "is_feasible", lambda f: lambda *a, **k: False),
])
def test_claim_fails_when_broken(monkeypatch, claim_id, name, make):
    c = registry()[claim_id]
    assert run_claim(c, fast=True).passed
    monkeypatch.setattr(cl, name, make(getattr(cl, name)))
    res = run_claim(c, fast=True)
    assert not res.passed and np.isfinite(res.measured)
