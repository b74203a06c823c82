"""The public reference routes and reference instances of theory.speculative agree with the solvers."""

from __future__ import annotations

import numpy as np

from theory.speculative import acceptance_rate, exact_scheme, kseq_rho, wor_all_in
from theory.speculative.instances import CASE_A, CASE_A_KSEQ, CASE_B, REFERENCE_TABLE, random_tied_pair
from theory.speculative.reference import kseq_case_rho, rrs_wor_bruteforce, wor_all_in_rational


def test_rrs_wor_bruteforce_matches_recursion():
    for seed in range(5):
        p, q = random_tied_pair(5, seed, min_support=3)
        ref = rrs_wor_bruteforce(p, q, 3)
        fast = exact_scheme("rrs-wor", p, q, 3)
        assert abs(ref.value - fast.value) < 1e-12 and np.abs(ref.law - fast.law).max() < 1e-12


def test_wor_all_in_rational_matches_solver():
    q = np.array([0.1, 0.2, 0.3, 0.4])
    for members in ([0, 1, 2], [1, 3], [0, 1, 2, 3]):
        assert abs(wor_all_in_rational(q, np.array(members), 2) - wor_all_in(q, members, 2)) < 1e-12


def test_reference_table_and_kseq_root():
    pa, qa = CASE_A
    assert abs(kseq_case_rho(pa, qa, 2) - CASE_A_KSEQ[0]) < 1e-12
    assert abs(kseq_rho(pa, qa, 2).rho - CASE_A_KSEQ[0]) < 1e-12
    cases = {"A": CASE_A, "B": CASE_B}
    for case, k, *_, rrs, _rrs_wor, _greedy in REFERENCE_TABLE:
        assert abs(acceptance_rate("rrs", *cases[case], k) - rrs) < 1e-12


def test_claims_use_the_reference_routes(monkeypatch):
    """Negative controls: a reference route off by 1e-9 makes the claim that uses it fail."""
    from dataclasses import replace

    from theory.claims import registry, run_claim
    from theory.speculative.claims import optimal as optimal_claims
    from theory.speculative.claims import schemes as scheme_claims

    assert run_claim(registry()["speculative.rrs-wor-recursion"], fast=True).passed
    monkeypatch.setattr(scheme_claims, "rrs_wor_bruteforce",
                        lambda p, q, k: replace(rrs_wor_bruteforce(p, q, k),
                                                value=rrs_wor_bruteforce(p, q, k).value + 1e-9))
    assert not run_claim(registry()["speculative.rrs-wor-recursion"], fast=True).passed
    monkeypatch.setattr(optimal_claims, "wor_all_in_rational",
                        lambda q, members, k: wor_all_in_rational(q, members, k) + 1e-9)
    assert not run_claim(registry()["speculative.wor-race"], fast=True).passed
