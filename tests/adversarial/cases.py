"""The table of public functions: one small valid call each, the bounds its result must satisfy,
and the malformed variants derived from it.

``CASES`` maps ``"area.name"`` to a :class:`Case`; ``EXEMPT`` lists public names that are not
functions to call (result types, containers) or that are covered through another entry, each
with its reason. ``tests/adversarial/test_public_surface.py`` fails when a public name of an
area's ``__all__`` is in neither.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

AREAS = ("speculative", "semantic", "sparse_ot", "attention_svm", "tokenization")
TOL = 1e-9

Args = tuple[tuple[Any, ...], dict[str, Any]]


# ---------------------------------------------------------------------------------------------
# Checkers: run in the child on the result; raise AssertionError with a message on failure.
# ---------------------------------------------------------------------------------------------


def _floats(obj: Any, depth: int = 0) -> list[tuple[str, Any]]:
    """Every float or float array reachable from a result (dataclass fields, tuples, mappings)."""
    if depth > 3 or obj is None or isinstance(obj, (str, bytes, bool)):
        return []
    if isinstance(obj, (float, np.floating)):
        return [("", float(obj))]
    if isinstance(obj, np.ndarray):
        return [("", obj)] if obj.dtype.kind == "f" else []
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = []
        for f in dataclasses.fields(obj):
            out += [(f"{f.name}{k}", v) for k, v in _floats(getattr(obj, f.name), depth + 1)]
        return out
    if isinstance(obj, Mapping):
        out = []
        for key, v in list(obj.items())[:200]:
            out += [(f"[{key!r}]{k}", v) for k, v in _floats(v, depth + 1)]
        return out
    if isinstance(obj, (tuple, list)):
        out = []
        for i, v in enumerate(obj[:200]):
            out += [(f"[{i}]{k}", v) for k, v in _floats(v, depth + 1)]
        return out
    return []


def finite(res: Any, *_: Any) -> None:
    """Every float reachable from the result is finite (no silent NaN or inf)."""
    for where, v in _floats(res):
        assert np.all(np.isfinite(v)), f"non-finite value at result{where}: {v}"


def finite_unless_status(res: Any, *_: Any) -> None:
    """Finite, except where the result's status says it is not certified."""
    status = getattr(res, "status", "optimal")
    if status in ("optimal", "converged", "zero_rate", "ok"):
        finite(res)


def in_unit(x: float, what: str = "value") -> None:
    assert -TOL <= x <= 1 + TOL and math.isfinite(x), f"{what} = {x!r} outside [0, 1]"


def is_law(arr: Any, what: str = "law", tol: float = 1e-6) -> None:
    a = np.asarray(arr, dtype=float)
    assert np.all(np.isfinite(a)) and np.all(a >= -TOL), f"{what} has negative or non-finite entries"
    assert abs(a.sum() - 1) <= tol, f"{what} sums to {a.sum()!r}"


def unit_scalar(res: Any, *_: Any) -> None:
    in_unit(float(res))


def nonneg_scalar(res: Any, *_: Any) -> None:
    assert math.isfinite(float(res)) and float(res) >= -1e-10, f"{res!r} should be finite and >= 0"


def pair_of_laws(res: Any, *_: Any) -> None:
    is_law(res[0], "target")
    is_law(res[1], "draft")


def scheme_law(res: Any, args: tuple, kwargs: dict) -> None:
    is_law(res.law)
    in_unit(res.acceptance, "acceptance")
    in_unit(res.sequential_acceptance, "sequential_acceptance")


def law_result(res: Any, *_: Any) -> None:
    is_law(res)


def draft_sets(res: Any, *_: Any) -> None:
    is_law(res.prob, "Qbar", tol=1e-9)


def simulation(res: Any, args: tuple, kwargs: dict) -> None:
    assert int(res.counts.sum()) == res.n == kwargs["n"]
    in_unit(res.acceptance, "acceptance")
    in_unit(res.pvalue, "pvalue")
    finite(res)


def lp_result(res: Any, *_: Any) -> None:
    if res.status == "optimal":
        in_unit(res.value)
        finite(res.diagnostics)


def subset_result(res: Any, *_: Any) -> None:
    in_unit(res[0])


def kseq(res: Any, args: tuple, kwargs: dict) -> None:
    rho, beta = res
    assert 1 - TOL <= rho <= args[2] + TOL, f"rho* = {rho} outside [1, K]"
    in_unit(beta, "beta")


def rd_result(res: Any, *_: Any) -> None:
    finite_unless_status(res)
    if res.status == "optimal":
        assert res.rate >= -1e-10 and res.lower_bound <= res.rate + 1e-6, "rate below 0 or its bound"
        is_law(res.output_law, "output_law")


def ba_state(res: Any, *_: Any) -> None:
    finite(res)
    assert res.upper >= -1e-12, f"mutual information {res.upper} < 0"
    assert np.allclose(res.channel.sum(axis=1), 1.0), "channel rows do not sum to 1"


def capacity(res: Any, args: tuple, kwargs: dict) -> None:
    c = float(res[0])
    W = np.asarray(args[0], dtype=float)
    assert -1e-10 <= c <= math.log2(min(W.shape)) + 1e-9, f"capacity {c} outside [0, log2 min|X|,|Y|]"
    is_law(res[2], "input law")


def nrdf(res: Any, *_: Any) -> None:
    finite_unless_status(res)
    if res.status == "optimal":
        assert res.rate >= -1e-9 and res.mutual_information >= -1e-9


def sparse_result(res: Any, *_: Any) -> None:
    finite_unless_status(res)
    assert np.all(res.plan >= -1e-12), "plan has negative entries"
    if res.converged:
        # Weak duality: the primal value of the returned plan is >= the dual value.
        assert res.primal_value >= res.value - 1e-6 * max(1.0, abs(res.value)), \
            f"P_k {res.primal_value} < D_k {res.value}"


def bruteforce(res: Any, *_: Any) -> None:
    assert res.plan is None or np.all(res.plan >= -1e-12)
    assert math.isfinite(res.value) or res.plan is None


def projection(res: Any, args: tuple, kwargs: dict) -> None:
    z = kwargs.get("z", args[2] if len(args) > 2 else 1.0)
    assert np.all(res >= -1e-12) and np.count_nonzero(res) <= args[1], "not a k-sparse nonneg vector"
    assert abs(res.sum() - z) <= 1e-9 * max(1.0, z), f"projection sums to {res.sum()}, want {z}"


def att_svm(res: Any, args: tuple, kwargs: dict) -> None:
    """Att-SVM: W finite; margins finite except at alpha_i (NaN there, as documented)."""
    finite(res.W)
    if res.status == "optimal":
        m = res.margins.copy()
        alpha = np.asarray(args[2])
        m[np.arange(m.shape[0]), alpha] = 0.0
        assert np.all(np.isfinite(m)), f"non-finite margins off alpha: {res.margins}"
        assert np.all(m[np.arange(m.shape[0])[:, None], np.arange(m.shape[1])] >= -1e-9)


def equals_emd2(res: Any, args: tuple, kwargs: dict) -> None:
    """Exact OT value equal to POT's network simplex on the same data."""
    import ot

    a, b, C = (np.asarray(x, dtype=float) for x in args[:3])
    want = float(ot.emd2(a, b, C))
    assert abs(float(res) - want) <= 1e-9 * max(1.0, abs(want)), f"exact_ot {res} != ot.emd2 {want}"


def classification(res: Any, *_: Any) -> None:
    assert res in ("global", "local", "neither", "none", "other", "not_converged", "unclassified") \
        or isinstance(res, str)


def softmax_rows(res: Any, *_: Any) -> None:
    a = np.asarray(res)
    assert np.all(np.isfinite(a)) and np.allclose(a.sum(axis=-1), 1.0), "softmax rows do not sum to 1"


def correlation_bound(res: Any, *_: Any) -> None:
    assert -1 - 1e-12 <= float(res) <= 1 + 1e-12


def any_result(res: Any, *_: Any) -> None:
    """No bound beyond finiteness of the floats it carries."""
    finite(res)


def is_bool(res: Any, *_: Any) -> None:
    assert isinstance(res, (bool, np.bool_))


def consume(res: Any, *_: Any) -> None:
    """Generators: draw the first items (the call itself is lazy)."""
    items = list(itertools.islice(res, 50))
    assert items, "no item produced"


CHECKS: dict[str, Callable[..., None]] = {
    f.__name__: f for f in (finite, finite_unless_status, unit_scalar, nonneg_scalar, pair_of_laws,
                            scheme_law, law_result, draft_sets, simulation, lp_result, subset_result,
                            kseq, rd_result, ba_state, capacity, nrdf, sparse_result, bruteforce,
                            projection, classification, softmax_rows, correlation_bound, any_result,
                            is_bool, consume, att_svm, equals_emd2)
}


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A valid call of a public function, its checker and its mutation policy."""

    area: str
    name: str
    make: Callable[[], Args]
    check: str = "finite"
    timeout: float = 30.0
    #: Parameters whose malformed variants are not generated, with the reason.
    keep: Mapping[str, str] = field(default_factory=dict)


P3 = np.array([0.5, 0.3, 0.2])
Q3 = np.array([0.2, 0.5, 0.3])
H2 = 1.0 - np.eye(2)


def _bsms(n: int, p: float = 0.2) -> np.ndarray:
    from theory.semantic import markov_source

    return markov_source([0.5, 0.5], [[1 - p, p], [p, 1 - p]], n)


def _two_turn() -> tuple[list[np.ndarray], np.ndarray]:
    e0 = np.array([0.5, 0.5])
    e1 = np.zeros((2, 2, 2))
    for x1, y1 in itertools.product(range(2), repeat=2):
        e1[x1, y1, y1], e1[x1, y1, 1 - y1] = 0.8, 0.2
    r = np.zeros((2, 2, 2, 2))
    for x1, y1, x2, y2 in itertools.product(range(2), repeat=4):
        r[x1, y1, x2, y2] = (x1 == y1) + (x2 == y2)
    return [e0, e1], r


def _joint4() -> np.ndarray:
    rng = np.random.default_rng(0)
    j = rng.dirichlet(np.ones(16)).reshape(2, 2, 2, 2)
    return j


def _flow() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    prior, initial = rng.dirichlet(np.ones(2)), rng.dirichlet(np.ones(2), size=2)
    return prior, initial, rng.dirichlet(np.ones(2), size=(2, 2))


def _sparse() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return np.full(3, 1 / 3), np.full(4, 1 / 4), rng.random((3, 4))


def _problem() -> Any:
    from theory.sparse_ot import sparse_ot_problem

    a, b, C = _sparse()
    return sparse_ot_problem(a, b, C, k=2, gamma=1.0)


def _att() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from theory.attention_svm import reference_instance

    return reference_instance(2)


def _src() -> Any:
    from theory.tokenization import MarkovSource

    return MarkovSource.switching(2, 0.8, 0.8)


def _tok() -> Any:
    from theory.tokenization import GreedyTokenizer

    return GreedyTokenizer([(0,), (1,), (0, 0), (1, 1), (0, 1, 0), (1, 0, 1)])


def _prefix_free() -> Any:
    from theory.tokenization import GreedyTokenizer

    return GreedyTokenizer([(0,), (1, 0), (1, 1)])


_MODEL = "a Markov model (its validation is covered through random_markov_pair and as_markov)"
_TREE = "a nested tuple of children (see tree_structure)"


def _markov_pair() -> tuple[Any, Any]:
    from theory.speculative import random_markov_pair

    return random_markov_pair(2, 1, 0)


def _verifier() -> Any:
    from theory.speculative import tree_verifier

    return tree_verifier("rrs")


def _tmp_file(name: str) -> str:
    import os
    import tempfile

    return os.path.join(tempfile.gettempdir(), f"theory-adversarial-{os.getpid()}-{name}")


def _c(area: str, name: str, make: Callable[[], Args], check: str = "finite", timeout: float = 30.0,
       **keep: str) -> Case:
    return Case(area, name, make, check, timeout, keep)


_LIST: list[Case] = [
    # speculative ------------------------------------------------------------------------------
    _c("speculative", "acceptance_rate", lambda: (("rrs", P3, Q3, 2), {}), "unit_scalar"),
    _c("speculative", "canonical_is_k2", lambda: ((P3, Q3), {}), "unit_scalar"),
    _c("speculative", "draft_set_law", lambda: ((Q3, 2), {"drafts": "wor"}), "draft_sets"),
    _c("speculative", "exact_scheme", lambda: (("rrs-wor", P3, Q3, 2), {}), "scheme_law"),
    _c("speculative", "full_lp_acceptance", lambda: ((P3, Q3, 2), {}), "unit_scalar"),
    _c("speculative", "kseq_rho", lambda: ((P3, Q3, 2), {}), "kseq"),
    _c("speculative", "maximal_coupling_acceptance", lambda: ((P3, Q3), {}), "unit_scalar"),
    _c("speculative", "optimal_acceptance", lambda: ((P3, Q3, 2), {"drafts": "wor"}), "unit_scalar"),
    _c("speculative", "optimal_acceptance_lp", lambda: ((P3, Q3, 2), {}), "lp_result"),
    _c("speculative", "optimal_subset", lambda: ((P3, Q3, 2), {"method": "bruteforce"}), "subset_result"),
    _c("speculative", "output_law", lambda: (("kseq", P3, Q3, 2), {}), "law_result"),
    _c("speculative", "random_pair", lambda: ((5, 0), {}), "pair_of_laws",
       rng="a seed: every int >= 0 is valid and 2.5 / True are checked by as_generator's own tests"),
    _c("speculative", "simulate", lambda: (("optimal", P3, Q3, 2), {"n": 500, "rng": 0}), "simulation",
       rng="see random_pair"),
    _c("speculative", "synthetic_pair", lambda: ((6, 0.7), {}), "pair_of_laws"),
    # speculative: batches, logit files, token trees ------------------------------------------
    _c("speculative", "optimal_acceptance_batch", lambda: ((np.stack([P3, Q3]), np.stack([Q3, P3]), 2), {}),
       "finite"),
    _c("speculative", "acceptance_rate_batch",
       lambda: (("rrs", np.stack([P3, Q3]), np.stack([Q3, P3]), 2), {}), "finite"),
    _c("speculative", "from_logits", lambda: ((np.log(np.stack([P3, Q3])),), {"temperature": 0.7}), "finite"),
    _c("speculative", "synthetic_logits", lambda: ((3, 5), {"rng": 0}), "finite",
       rng="a seed: see random_pair"),
    _c("speculative", "random_markov_pair", lambda: ((3, 1, 0), {}), "any_result",
       rng="a seed: see random_pair"),
    _c("speculative", "chain_tree", lambda: ((3,), {}), "any_result"),
    _c("speculative", "kary_tree", lambda: ((4, 2), {}), "any_result"),
    _c("speculative", "tree_structure", lambda: ((((), ((),)),), {}), "any_result",
       tree="a nested tuple of children (its malformed shapes are checked in tests/speculative)"),
    _c("speculative", "tree_value", lambda: ((((), ((),)), [0.6, 0.2]), {}), "finite",
       tree="a nested tuple of children (see tree_structure)"),
    _c("speculative", "sequoia_tree", lambda: (([0.6, 0.2], 4), {}), "finite"),
    _c("speculative", "tree_verifier", lambda: (("rrs",), {}), "any_result"),
    _c("speculative", "expected_accepted", lambda: ((*_markov_pair(), ((), ((),))), {"scheme": "rrs"}),
       "finite", target=_MODEL, draft=_MODEL, tree=_TREE),
    _c("speculative", "emitted_law", lambda: ((*_markov_pair(), ((),)), {"scheme": "rrs-wor"}), "finite",
       target=_MODEL, draft=_MODEL, tree=_TREE),
    _c("speculative", "positional_acceptance", lambda: ((*_markov_pair(), 2), {"scheme": "rrs"}), "finite",
       target=_MODEL, draft=_MODEL),
    _c("speculative", "greedy_tree", lambda: ((_markov_pair()[1], 4), {}), "finite", draft=_MODEL),
    _c("speculative", "check_lossless", lambda: ((_verifier(), *_markov_pair(), ((),)), {"n": 300, "rng": 0}),
       "any_result", verifier="a verifier callable (built by tree_verifier)", target=_MODEL, draft=_MODEL,
       tree=_TREE, rng="a seed: see random_pair"),
    _c("speculative", "save_safetensors", lambda: ((_tmp_file("adv.safetensors"), np.zeros((2, 3))), {}),
       "any_result", path="a file path (written; its errors are the operating system's)"),
    _c("speculative", "wor_all_in", lambda: ((Q3, [0, 1], 2), {}), "unit_scalar"),
    # semantic ---------------------------------------------------------------------------------
    _c("semantic", "blahut_arimoto", lambda: (([0.5, 0.5], H2, 2.0), {}), "ba_state"),
    _c("semantic", "block_rate_distortion", lambda: ((_bsms(2), H2), {"D": 0.1}), "nrdf"),
    _c("semantic", "bsms_nrdf", lambda: ((0.2, 0.1), {}), "nonneg_scalar"),
    _c("semantic", "causal_conditioning", lambda: ((_joint4(), [0, 1], [2, 3]), {}), "finite"),
    _c("semantic", "channel_capacity", lambda: (([[0.9, 0.1], [0.2, 0.8]],), {}), "capacity"),
    _c("semantic", "directed_information", lambda: ((_joint4(), [0, 1], [2, 3]), {}), "nonneg_scalar"),
    _c("semantic", "directed_information_terms", lambda: ((_joint4(), [0, 1], [2, 3]), {}), "finite"),
    _c("semantic", "directed_rate_reward", lambda: (_two_turn(), {"rho": 1.7, "method": "ba"}),
       "finite_unless_status", env="a list of arrays: its malformed entries are env[0]/env[1]"),
    _c("semantic", "dsbs", lambda: ((0.1,), {}), "law_result"),
    _c("semantic", "elbo", lambda: (([0.5, 0.5], [[0.9, 0.1], [0.2, 0.8]], [0.5, 0.5], 0), {}), "finite"),
    _c("semantic", "feedback_information", lambda: ((_joint4(), [0, 1], [2, 3]), {}), "nonneg_scalar"),
    _c("semantic", "feedforward_rate_distortion", lambda: ((_bsms(2), H2), {"D": 0.1}), "nrdf"),
    _c("semantic", "free_energy", lambda: ((P3, np.eye(3), 2.0), {}), "finite"),
    _c("semantic", "gardner_capacity", lambda: ((0.5,), {}), "finite"),
    _c("semantic", "gaussian_transfer_entropy",
       lambda: ((np.array([[0.5, 0.0], [0.4, 0.3]]), np.eye(2)), {"source": [0], "target": [1]}), "finite"),
    _c("semantic", "gerber_bound", lambda: ((0.1, 0.3), {}), "nonneg_scalar"),
    _c("semantic", "ib_dsbs", lambda: ((0.1, 0.2), {}), "finite"),
    _c("semantic", "information_bottleneck",
       lambda: ((np.array([[0.45, 0.05], [0.05, 0.45]]),), {"beta": 5.0, "cardinality": 2, "restarts": 2,
                                                            "rng": 0}), "finite",
       rng="see random_pair"),
    _c("semantic", "kl_regularized_value", lambda: ((P3, np.eye(3), np.full(3, 1 / 3), 2.0), {}), "finite"),
    _c("semantic", "markov_source", lambda: (([0.5, 0.5], [[0.8, 0.2], [0.2, 0.8]], 2), {}), "law_result"),
    _c("semantic", "mutual_information", lambda: ((_joint4(), [0], [1]), {}), "nonneg_scalar"),
    _c("semantic", "nonanticipative_rate_distortion", lambda: ((_bsms(2), H2), {"D": 0.1}), "nrdf"),
    _c("semantic", "nrdf_ba", lambda: ((_bsms(2), H2), {"beta": 2.0}), "nrdf"),
    _c("semantic", "open_loop_value", lambda: (_two_turn(), {}), "finite",
       env="a list of arrays: its malformed entries are env[0]/env[1]"),
    _c("semantic", "rate_distortion", lambda: ((P3, 1 - np.eye(3)), {"D": 0.2}), "rd_result"),
    _c("semantic", "rate_reward", lambda: ((P3, np.eye(3)), {"rho": 0.6}), "finite_unless_status"),
    _c("semantic", "rd_binary_hamming", lambda: ((0.3, 0.1), {}), "unit_scalar"),
    _c("semantic", "rd_curve", lambda: ((P3, 1 - np.eye(3), [0.5, 1.0, 2.0]), {}), "finite"),
    _c("semantic", "rd_hamming_slb", lambda: ((P3, 0.25), {}), "nonneg_scalar"),
    _c("semantic", "rd_logloss", lambda: ((P3, 0.3), {}), "nonneg_scalar"),
    _c("semantic", "reverse_waterfilling", lambda: (([4.0, 1.0, 0.25], 1.5), {}), "finite"),
    _c("semantic", "sample_flow_paths", lambda: ((*_flow(), 4, 20), {"rng": 0}), "finite",
       rng="see random_pair"),
    _c("semantic", "semantic_flow", lambda: ((*_flow(), 4), {}), "finite"),
    _c("semantic", "semantic_flow_drifts", lambda: ((*_flow(), 4), {}), "finite"),
    _c("semantic", "semantic_joint", lambda: ((*_flow(), 3), {}), "law_result"),
    _c("semantic", "sequence_cross_entropy",
       lambda: ((np.array([[0.4, 0.1], [0.2, 0.3]]), np.array([[0.25, 0.25], [0.25, 0.25]])), {}),
       "nonneg_scalar"),
    _c("semantic", "transfer_entropy",
       lambda: ((np.einsum("ac,bd->abcd", [[0.9, 0.1], [0.3, 0.7]], [[0.6, 0.4], [0.2, 0.8]]),), {}),
       "nonneg_scalar"),
    # sparse_ot --------------------------------------------------------------------------------
    _c("sparse_ot", "beta_from_alpha", lambda: ((np.zeros(3), _problem()), {}), "finite",
       P="a validated SparseOTProblem (built by sparse_ot_problem, covered there)"),
    _c("sparse_ot", "compute_capacity", lambda: ((64, 8, 1.25), {}), "finite"),
    _c("sparse_ot", "conj_topk", lambda: ((np.array([0.3, -0.1, 0.5]), 2, 1.0), {}), "finite"),
    _c("sparse_ot", "dual_cvx", lambda: (_sparse(), {"k": 2, "gamma": 1.0}), "finite"),
    _c("sparse_ot", "dual_objective", lambda: ((np.zeros(3), np.zeros(4), _problem()), {}), "finite",
       P="a validated SparseOTProblem"),
    _c("sparse_ot", "exact_ot", lambda: (_sparse(), {}), "equals_emd2"),
    _c("sparse_ot", "gaussian_toy", lambda: ((16,), {}), "finite"),
    _c("sparse_ot", "instance_a", lambda: ((), {}), "any_result"),
    _c("sparse_ot", "instance_b", lambda: ((), {}), "any_result"),
    _c("sparse_ot", "ksupport_sq", lambda: ((np.array([0.3, -0.1, 0.5]), 2), {}), "nonneg_scalar"),
    _c("sparse_ot", "load_statistics", lambda: ((np.eye(3)[:, :2] * 0.5,), {}), "finite"),
    _c("sparse_ot", "max_k", lambda: ((np.array([0.3, -0.1, 0.5]), 2, 1.0), {}), "finite"),
    _c("sparse_ot", "plan_from_dual", lambda: ((np.zeros(3), np.zeros(4), _problem()), {}), "finite",
       P="a validated SparseOTProblem"),
    _c("sparse_ot", "plan_from_semi_dual", lambda: ((np.zeros(3), _problem()), {}), "finite",
       P="a validated SparseOTProblem"),
    _c("sparse_ot", "polish_on_support",
       lambda: ((*_sparse(), 1.0, np.ones((3, 4), dtype=bool)), {}), "finite",
       mask="a boolean support mask: booleans are its valid type"),
    _c("sparse_ot", "proj_sparse_simplex", lambda: ((np.array([0.3, -0.1, 0.5, 0.2]), 2), {}), "projection"),
    _c("sparse_ot", "quadratic_ot", lambda: (_sparse(), {"gamma": 1.0}), "finite_unless_status"),
    _c("sparse_ot", "relaxed_cvx", lambda: (_sparse(), {"k": 2, "gamma": 1.0}), "finite"),
    _c("sparse_ot", "relaxed_primal_value", lambda: ((np.full((3, 4), 1 / 12), _sparse()[2], 2, 1.0), {}),
       "finite"),
    _c("sparse_ot", "route", lambda: ((np.random.default_rng(0).standard_normal((8, 2)),), {}), "finite"),
    _c("sparse_ot", "semi_dual_objective", lambda: ((np.zeros(3), _problem()), {}), "finite",
       P="a validated SparseOTProblem"),
    _c("sparse_ot", "solve_sparse_ot", lambda: (_sparse(), {"k": 2, "gamma": 1.0}), "sparse_result"),
    _c("sparse_ot", "sparse_ot_bruteforce", lambda: (_sparse(), {"k": 2, "gamma": 1.0}), "bruteforce"),
    _c("sparse_ot", "sparse_ot_problem", lambda: (_sparse(), {"k": 2, "gamma": 1.0}), "any_result"),
    # attention_svm ----------------------------------------------------------------------------
    _c("attention_svm", "attention_softmax", lambda: ((_att()[0], _att()[1], np.eye(2)), {}), "softmax_rows"),
    _c("attention_svm", "classify",
       lambda: ((_att()[0], _att()[1], np.ones(_att()[0].shape[:2]), np.eye(2)), {}), "classification"),
    _c("attention_svm", "correlation", lambda: ((np.eye(2), np.ones((2, 2))), {}), "correlation_bound"),
    _c("attention_svm", "enumerate_alphas", lambda: ((2, 3), {}), "consume"),
    _c("attention_svm", "excess_loss", lambda: ((*_att(), np.eye(2)), {}), "finite"),
    _c("attention_svm", "flatten_queries", lambda: ((np.random.default_rng(0).standard_normal((2, 3, 2)),),
                                                    {}), "any_result",
       queries="'all', 'last' or an index array: text is valid here"),
    _c("attention_svm", "is_feasible", lambda: ((_att()[0], _att()[1], [0] * _att()[0].shape[0]), {}),
       "is_bool"),
    _c("attention_svm", "is_locally_optimal",
       lambda: ((_att()[0], _att()[1], [0] * _att()[0].shape[0], np.ones(_att()[0].shape[:2])), {}),
       "is_bool"),
    _c("attention_svm", "loss_and_gradient",
       lambda: ((_att()[0], _att()[1], _att()[2], np.eye(2)), {"v": _att()[3]}), "finite"),
    _c("attention_svm", "make_head", lambda: ((np.array([1.0, 0.0]), "linear", 2), {"rng": 0}), "any_result",
       rng="see random_pair"),
    _c("attention_svm", "optimal_tokens", lambda: ((_att()[0], _att()[2], _att()[3]), {}), "any_result"),
    _c("attention_svm", "random_instance", lambda: ((3, 4, 2), {"rng": 0}), "finite", rng="see random_pair"),
    _c("attention_svm", "reference_instance", lambda: ((2,), {}), "finite"),
    _c("attention_svm", "regularization_path",
       lambda: ((*_att(), [1.0]), {"restarts": 1, "steps": 20, "rng": 0}), "finite", rng="see random_pair"),
    _c("attention_svm", "solve_att_svm", lambda: ((_att()[0], _att()[1], [0] * _att()[0].shape[0]), {}),
       "att_svm"),
    _c("attention_svm", "solve_att_svm_cvxpy",
       lambda: ((_att()[0], _att()[1], [0] * _att()[0].shape[0]), {}), "att_svm"),
    _c("attention_svm", "svm_equivalence",
       lambda: ((_att()[0], _att()[1], np.full(_att()[0].shape[:2], 1 / _att()[0].shape[1]), np.eye(2)), {}),
       "any_result"),
    _c("attention_svm", "token_scores", lambda: ((_att()[0], _att()[2], _att()[3]), {}), "finite"),
    _c("attention_svm", "train_attention", lambda: ((*_att()[:3],), {"v": _att()[3], "steps": 20, "rng": 0}),
       "finite_unless_status", rng="see random_pair"),
    # tokenization -----------------------------------------------------------------------------
    _c("tokenization", "binary_entropy", lambda: ((0.3,), {}), "unit_scalar"),
    _c("tokenization", "fixed_length_dictionary", lambda: ((2, 3), {}), "any_result"),
    _c("tokenization", "heavy_hitter_dictionary", lambda: ((_src(), 0.05), {}), "any_result",
       source="a MarkovSource object (its constructor is covered as MarkovSource)"),
    _c("tokenization", "is_complete_prefix_free", lambda: (([(0,), (1, 0), (1, 1)], 2), {}), "is_bool",
       tokens="a list of token tuples: nested integer sequences, not a float array"),
    _c("tokenization", "lz78_dictionary", lambda: (([0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 0],), {}), "any_result"),
    _c("tokenization", "lzw_dictionary", lambda: (([0, 1, 0, 0, 1, 0, 1, 1],), {}), "any_result"),
    _c("tokenization", "ngram_loss", lambda: ((_src(), _tok(), 2), {}), "finite_unless_status",
       source="a MarkovSource object", tokenizer="a tokenizer object"),
    _c("tokenization", "renewal_chain", lambda: ((_src(), _prefix_free()), {}), "any_result",
       source="a MarkovSource object", tokenizer="a tokenizer object"),
    _c("tokenization", "token_rates_exact", lambda: ((_src(), _tok()), {}), "any_result",
       source="a MarkovSource object", tokenizer="a tokenizer object"),
    _c("tokenization", "unigram_loss", lambda: ((_src(), _tok()), {}), "finite_unless_status",
       source="a MarkovSource object", tokenizer="a tokenizer object"),
    _c("tokenization", "MarkovSource", lambda: ((np.array([[0.8, 0.2], [0.3, 0.7]]), 1), {}), "any_result"),
    _c("tokenization", "GreedyTokenizer", lambda: (([(0,), (1,), (0, 1)],), {}), "any_result",
       tokens="a list of token tuples: nested integer sequences, not a float array"),
    _c("tokenization", "BPETokenizer", lambda: (([((0,), (1,))], 2), {}), "any_result",
       merges="a list of pairs of token tuples, not a float array"),
    _c("tokenization", "MergeTransducer", lambda: ((0, 1, 2), {}), "any_result"),
]

CASES: dict[str, Case] = {f"{c.area}.{c.name}": c for c in _LIST}

#: Public names that are not called here, with the reason.
EXEMPT: dict[str, str] = {
    **{f"speculative.{n}": "result type (a frozen dataclass built by the solvers)"
       for n in ("DraftSetLaw", "EmittedLaw", "KSeqRho", "LosslessResult", "OptimalAcceptanceResult",
                 "SchemeLaw", "SimulationResult", "TreeChoice", "TreeResult")},
    "speculative.MarkovLM": "model container (a named tuple of conditional tables, validated by as_markov)",
    "speculative.TreeStructure": "tree container built and validated by tree_structure",
    "speculative.RowReader": "file reader class (memory-mapped rows of a logits file), not a solver",
    **{f"semantic.{n}": "result type (a frozen dataclass built by the solvers)"
       for n in ("CapacityResult", "DirectedRateRewardResult", "FlowDrifts", "GaussianTE", "IBResult",
                 "NRDFResult", "RDResult", "RateRewardResult", "Waterfilling")},
    **{f"sparse_ot.{n}": "result type (a frozen dataclass built by the solvers)"
       for n in ("BruteForceResult", "QuadraticOTResult", "ReferenceInstance", "RouterResult",
                 "SparseOTResult")},
    "sparse_ot.SparseOTProblem": "validated problem container; built and validated by sparse_ot_problem",
    "semantic.RDProblem": "validated problem container; rate_distortion builds one from (p, d) (covered)",
    "attention_svm.AttSVMProblem": "validated problem container; solve_att_svm builds one (covered)",
    **{f"attention_svm.{n}": "result type (a frozen dataclass built by the solvers)"
       for n in ("AttSVMResult", "AttentionInstance", "FlatQueries", "SVMEquivalence", "Trajectory")},
    "attention_svm.Head": "container built and validated by make_head (covered)",
    **{f"tokenization.{n}": "result type (a frozen dataclass built by the solvers)"
       for n in ("LossResult", "RenewalChain", "TokenRates")},
}
