"""Negative controls: a claim must fail when the quantity it checks is broken on purpose."""

from __future__ import annotations

import heapq
from dataclasses import replace

import pytest

import theory.tokenization._bpe as tok_mod
import theory.tokenization.claims as claims_mod
import theory.tokenization.losses as losses_mod
from theory.claims import registry, run_claim

_unigram = losses_mod.unigram_loss


def _per_token(*args, **kwargs):
    res = _unigram(*args, **kwargs)
    return replace(res, value=res.value / res.tokens_per_char)


@pytest.mark.parametrize("claim_id", ["tokenization.can-hurt", "tokenization.fixed-length",
                                      "tokenization.optimal-unigram"])
def test_per_token_normalisation_fails(monkeypatch, claim_id):
    monkeypatch.setattr(claims_mod, "unigram_loss", _per_token)
    assert not run_claim(registry()[claim_id], fast=True).passed


def test_other_tie_rule_fails_cascade(monkeypatch):
    push = heapq.heappush
    # order ties by (right, left) instead of (left, right)
    monkeypatch.setattr(tok_mod.heapq, "heappush", lambda h, e: push(h, (e[0], e[2], e[1], e[3], e[4])))
    assert not run_claim(registry()["tokenization.cascade"], fast=True).passed


def test_wrong_boundary_law_fails_heavy_hitter(monkeypatch):
    real = losses_mod.renewal_chain
    monkeypatch.setattr(claims_mod, "renewal_chain",
                        lambda src, tok: replace(real(src, tok), rho=src.stationary()))
    assert not run_claim(registry()["tokenization.heavy-hitter"], fast=True).passed


def test_unmodified_claims_pass():
    for cid in ("tokenization.can-hurt", "tokenization.cascade", "tokenization.heavy-hitter"):
        assert run_claim(registry()[cid], fast=True).passed
