"""Adversarial suite configuration: the per-area sandboxes and the one list of cases that fail
only because of bugs fixed on other branches (marked xfail, not strict, until they are merged)."""

from __future__ import annotations

import json
import os

import pytest

from tests.adversarial.sandbox import CALLS, close_all

#: Test ids that fail only because of bugs being fixed on other branches (issue 15): the
#: ``sparseot`` branch (theory/sparse_ot/) and the ``attsvm`` branch (attention_svm/svm.py).
#: An entry ending in ``*`` covers every test id that starts with it. Remove this set once those
#: branches are merged.
FIXED_ON_OTHER_BRANCHES: set[str] = {
    # solve_sparse_ot with marginals of total mass 1e-300: SIGSEGV of the process.
    "test_reproducer[sparse_ot-solve_sparse_ot-mass-1e-300]",
    # A subnormal marginal entry (b = [1, 5e-324]): D_k = NaN with converged=True (found by
    # this suite; the same tiny-mass family as the 1e-300 reproducer).
    "test_reproducer[sparse_ot-solve_sparse_ot-subnormal-entry]",
    # proj_sparse_simplex([1e300] * 5, k=2) returns all zeros instead of summing to z.
    "test_reproducer[sparse_ot-proj_sparse_simplex-1e300]",
    # dual_objective on 0-d arrays: crash instead of a ValueError naming the argument.
    "test_reproducer[sparse_ot-dual_objective-0-d]",
    # The low-level objectives take (alpha, beta, P) unvalidated: 0-d, NaN, complex, text and
    # boolean alpha/beta are not refused with an error naming the argument (sparseot branch).
    "test_malformed[sparse_ot.dual_objective-*",
    "test_malformed[sparse_ot.semi_dual_objective-*",
    "test_malformed[sparse_ot.plan_from_dual-*",
    "test_malformed[sparse_ot.plan_from_semi_dual-*",
    "test_malformed[sparse_ot.beta_from_alpha-*",
    # enumerate_alphas (attention_svm/svm.py, rewritten on the attsvm branch) is a generator that
    # does not validate n and T (True, 2.5, "2" accepted).
    "test_malformed[attention_svm.enumerate_alphas-*",
    "test_huge_integer[attention_svm.enumerate_alphas-*",
}

#: Open defects found by this suite in code that this branch does not edit (theory/sparse_ot is
#: changed only on the sparseot branch in this round): xfail, not strict, with the reason.
OPEN_ELSEWHERE: dict[str, str] = {
    "test_huge_integer[sparse_ot.gaussian_toy-n]":
        "gaussian_toy(10**9) allocates an n x n cost (MemoryError): needs a size guard in sparse_ot",
}


def _fixed_elsewhere(name: str) -> bool:
    return any(name == entry or (entry.endswith("*") and name.startswith(entry[:-1]))
               for entry in FIXED_ON_OTHER_BRANCHES)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.name in OPEN_ELSEWHERE:
            item.add_marker(pytest.mark.xfail(reason=f"open: {OPEN_ELSEWHERE[item.name]}", strict=False))
        elif _fixed_elsewhere(item.name):
            item.add_marker(pytest.mark.xfail(reason="fixed on another branch (issue 15)", strict=False))


@pytest.fixture(scope="session", autouse=True)
def _close_sandboxes():
    yield
    close_all()
    out = os.environ.get("THEORY_ADVERSARIAL_COUNTS")
    if out:  # per-area call counts of this test process, for the report
        with open(f"{out}.{os.getpid()}.json", "w") as fh:
            json.dump(CALLS, fh)
