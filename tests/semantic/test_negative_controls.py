"""Negative controls: semantic claims run with one ingredient broken on purpose must fail.

Each case replaces one function that a claim imports by a version that is wrong by a small,
stated amount; the claim must then report a finite measurement that fails its tolerance.
"""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np
import pytest

from theory.claims import registry, run_claim


def _cvx_rate_off(solve):
    """The exponential-cone route (theory.semantic.reference) answers 1e-5 bits too high."""
    def broken(p, d, **kwargs):
        res = solve(p, d, **kwargs)
        return dataclasses.replace(res, value=res.value + 1e-5)
    return broken


def _capacity_lower_too_high(capacity):
    """Arimoto's lower bound shifted above the capacity by 1e-9 bits."""
    def broken(W, **kwargs):
        res = capacity(W, **kwargs)
        return dataclasses.replace(res, lower=res.lower + 1e-9)
    return broken


def _water_level_off(waterfill):
    """The water level theta found 1e-6 too high (the allocation no longer sums to D)."""
    def broken(s, D):
        res = waterfill(s, D)
        Di = np.minimum(res.theta + 1e-6, np.asarray(s, float))
        return dataclasses.replace(res, distortions=Di, theta=res.theta + 1e-6)
    return broken


def _plus(f, eps):
    """A scalar-valued function off by ``eps``."""
    def broken(*args, **kwargs):
        return f(*args, **kwargs) + eps
    return broken


def _bound_shrunk(bound):
    """The Xu-Raginsky bound divided by 10 (too small: the generalisation gap exceeds it)."""
    def broken(mi, sigma2, n):
        return bound(mi, sigma2, n) / 10.0
    return broken


@pytest.mark.parametrize(("claim_id", "name", "make"), [
    ("semantic.rd-ba-equals-cvx", "rate_distortion_cvx", _cvx_rate_off),
    ("semantic.channel-capacity", "channel_capacity", _capacity_lower_too_high),
    ("semantic.rd-gaussian-waterfilling", "reverse_waterfilling", _water_level_off),
    ("semantic.di-conservation", "directed_information", lambda f: _plus(f, 1e-9)),
    ("semantic.gaussian-te-granger", "gaussian_conditional_mi", lambda f: _plus(f, 1e-9)),
    ("semantic.ib-dsbs-gerber", "gerber_bound", lambda f: _plus(f, 1e-4)),
    ("semantic.xu-raginsky", "xu_raginsky_bound", _bound_shrunk),
    ("semantic.cross-entropy-elbo", "kl_divergence", lambda f: _plus(f, 1e-9)),
])
def test_claim_fails_when_broken(monkeypatch, claim_id, name, make):
    c = registry()[claim_id]
    assert run_claim(c, fast=True).passed
    cl = importlib.import_module(c.check.__module__)  # the topic module that defines the check
    monkeypatch.setattr(cl, name, make(getattr(cl, name)))
    res = run_claim(c, fast=True)
    assert not res.passed and np.isfinite(res.measured), res
