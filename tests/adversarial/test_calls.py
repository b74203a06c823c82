"""Every covered public function: its valid call returns a result inside its proven bounds, and
each malformed variant of it raises ValueError/TypeError naming the argument; no call runs past
its time or memory limit or kills its process (each runs in the area's sandbox process)."""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest

from tests.adversarial.cases import CASES
from tests.adversarial.mutations import huge, malformed
from tests.adversarial.runner import names_argument, run
from tests.adversarial.sandbox import count, sandbox
from theory.sparse_ot import sparse_ot_problem

#: Wall-clock limit of a call with a 10**9 size (seconds).
HUGE_TIMEOUT = 30.0

MALFORMED = [(key, param, variant, args, kwargs, named)
             for key, case in CASES.items() for param, variant, args, kwargs, named in malformed(case)]


def _run(area: str, job: tuple, timeout: float) -> tuple[str, str]:
    count(area, 1)
    return sandbox(area, run).call(job, timeout)


@pytest.mark.parametrize("key", sorted(CASES))
def test_valid(key):
    case = CASES[key]
    args, kwargs = case.make()
    kind, detail = _run(case.area, ("call", case.area, case.name, args, kwargs, case.check, None),
                        case.timeout)
    assert kind == "ok", f"{key}: {kind}: {detail}"


@pytest.mark.parametrize(("key", "param", "variant", "args", "kwargs", "named"), MALFORMED,
                         ids=[f"{m[0]}-{m[1]}-{m[2]}" for m in MALFORMED])
def test_malformed(key, param, variant, args, kwargs, named):
    case = CASES[key]
    kind, detail = _run(case.area, ("call", case.area, case.name, args, kwargs, case.check, named),
                        case.timeout)
    assert kind == "ok", f"{key}({param}={variant}): {kind}: {detail}"


#: Iteration counts whose cost is time only (memory does not grow with them): a caller who asks
#: for 10**9 iterations gets them, so these are not run with 10**9 here.
HUGE_EXEMPT = {
    "semantic.information_bottleneck-restarts": "restarts of the iterative IB: time O(restarts), O(1) memory",
    "attention_svm.regularization_path-restarts": "gradient-descent restarts: time only, O(d^2) memory",
    "attention_svm.regularization_path-steps": "gradient-descent steps: time only, O(d^2) memory",
}
HUGE = [(key, param, args, kwargs) for key, case in CASES.items() for param, args, kwargs in huge(case)
        if f"{key}-{param}" not in HUGE_EXEMPT]


@pytest.mark.parametrize(("key", "param", "args", "kwargs"), HUGE, ids=[f"{h[0]}-{h[1]}" for h in HUGE])
def test_huge_integer(key, param, args, kwargs):
    """An integer argument of 10**9 either gives a result inside its bounds or a clean error naming
    the argument, within the time and memory limit (never a hang or a crash)."""
    case = CASES[key]
    kind, detail = _run(case.area, ("call", case.area, case.name, args, kwargs, case.check, None),
                        HUGE_TIMEOUT)
    if kind == "raised" and detail.split(":")[0] in ("ValueError", "TypeError", "InputTypeError"):
        # A clean refusal naming an argument (the size, or the one it must agree with).
        func = getattr(importlib.import_module(f"theory.{case.area}"), case.name)
        names = inspect.signature(func).parameters
        assert any(names_argument(detail.split(":", 1)[1], name) for name in names), \
            f"{key}({param}=1e9): {detail}"
        return
    assert kind == "ok", f"{key}({param}=1e9): {kind}: {detail}"


_RNG = np.random.default_rng(0)
_C34 = _RNG.random((3, 4))
_U3, _U4 = np.full(3, 1 / 3), np.full(4, 1 / 4)
_P34 = sparse_ot_problem(_U3, _U4, _C34, k=2, gamma=1.0)

#: The reproducers of issue 15, each with the check its result must pass (or the argument its
#: clean error must name).
REPRODUCERS = {
    "speculative-wor_all_in-near-point": (
        "speculative", "wor_all_in", ([1 - 1e-15] + [2.5e-16] * 4, [0, 1, 2], 3), {}, "unit_scalar", None),
    "speculative-exact_scheme-near-point": (
        "speculative", "exact_scheme", ("optimal-wor", [1 - 1e-15, 1e-15, 0], [1e-15, 1 - 1e-15, 0], 2),
        {}, "scheme_law", None),
    "speculative-optimal_acceptance-1e-300": (
        "speculative", "optimal_acceptance", ([1e-300, 0.5, 0.5], [1e-300, 0.5, 0.5], 3), {"drafts": "wor"},
        "unit_scalar", None),
    "speculative-simulate-rrs-huge-k": (
        "speculative", "simulate", ("rrs", _U3, _U3, 10**9), {"n": 100, "rng": 0}, "simulation", "k"),
    "speculative-acceptance_rate-rrs-huge-k": (
        "speculative", "acceptance_rate", ("rrs", [0.3, 0.3, 0.4], [0.5, 0.45, 0.05], 10**9), {},
        "unit_scalar", None),
    "speculative-full_lp-huge": (
        "speculative", "full_lp_acceptance", (np.full(10, 0.1), np.full(10, 0.1), 8), {}, "unit_scalar", "k"),
    "speculative-draft_set_law-k1000": (
        "speculative", "draft_set_law", (np.full(10, 0.1), 1000), {}, "draft_sets", "k"),
    "speculative-simulate-optimal-p-eq-q": (
        "speculative", "simulate", ("optimal", [0.5, 0.5], [0.5, 0.5], 2), {"n": 20000, "rng": 0},
        "simulation", None),
    "speculative-random_pair-int-seed": ("speculative", "random_pair", (5, 0), {}, "pair_of_laws", None),
    "sparse_ot-compute_capacity-overflow": (
        "sparse_ot", "compute_capacity", (10, 3, 1e308), {}, "finite", None),
    "semantic-blahut_arimoto-not-a-pmf": (
        "semantic", "blahut_arimoto", ([0.9, 0.9], 1 - np.eye(2), 1.0), {}, "ba_state", "p"),
    "speculative-optimal_acceptance-complex": (
        "speculative", "optimal_acceptance", (_U3 + 0.1j, _U3, 2), {}, "unit_scalar", "target"),
    "sparse_ot-solve_sparse_ot-complex": (
        "sparse_ot", "solve_sparse_ot", (_U3 + 0.1j, _U4, _C34), {"k": 2, "gamma": 0.5}, "sparse_result",
        "a"),
    "sparse_ot-solve_sparse_ot-mass-1e-300": (
        "sparse_ot", "solve_sparse_ot", (_U3 * 1e-300, _U4 * 1e-300, _C34), {"k": 2, "gamma": 0.5},
        "sparse_result", None),
    "sparse_ot-solve_sparse_ot-subnormal-entry": (
        "sparse_ot", "solve_sparse_ot", ([0.5, 0.5], [1.0, 5e-324], np.ones((2, 2))), {"k": 1, "gamma": 1.0},
        "sparse_result", None),
    "tokenization-unigram_loss-sticky-source": (
        "tokenization", "unigram_loss", (__import__("theory.tokenization", fromlist=["x"]).MarkovSource(
            np.array([[1.0, 1e-300], [5e-324, 1.0]]), 1), __import__("theory.tokenization", fromlist=["x"])
            .GreedyTokenizer([(0,), (1,), (0, 0), (1, 1)])), {}, "finite_unless_status", None),
    "sparse_ot-proj_sparse_simplex-1e300": (
        "sparse_ot", "proj_sparse_simplex", (np.full(5, 1e300), 2), {}, "projection", None),
    "sparse_ot-exact_ot-negative-costs": (
        "sparse_ot", "exact_ot", (_U3, _U4, _C34 - 2.0), {}, "equals_emd2", None),
    "sparse_ot-dual_objective-0-d": (
        "sparse_ot", "dual_objective", (np.float64(0.0), np.float64(0.0), _P34), {}, "finite", "alpha"),
}


@pytest.mark.parametrize("name", sorted(REPRODUCERS))
def test_reproducer(name):
    area, func, args, kwargs, check, param = REPRODUCERS[name]
    kind, detail = _run(area, ("call", area, func, args, kwargs, check, param), 60.0)
    assert kind == "ok", f"{name}: {kind}: {detail}"
