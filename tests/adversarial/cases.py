"""The table of public functions: one small valid call each, the bounds its result must satisfy,
and the malformed variants derived from it.

``CASES`` maps ``"area.name"`` to a :class:`Case`; ``EXEMPT`` lists public names that are not
functions to call (result types, containers) or that are covered through another entry, each
with its reason. ``tests/adversarial/test_public_surface.py`` fails when a public name of an
area's ``__all__`` is in neither.
"""

from __future__ import annotations

import atexit
import dataclasses
import itertools
import math
import os
import shutil
import tempfile
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


def _unit_array(res: Any, what: str) -> np.ndarray:
    a = np.asarray(res, dtype=float)
    ok = np.all(np.isfinite(a)) and np.all(a >= -TOL) and np.all(a <= 1 + TOL)
    assert ok, f"{what} = {a} outside [0, 1]"
    return a


def batch_optimal(res: Any, args: tuple, kwargs: dict) -> None:
    """alpha* in [0, 1] per row and equal (1e-9) to the single-pair optimal_acceptance (two routes)."""
    from theory.speculative import optimal_acceptance

    a = _unit_array(res, "alpha*")
    P, Q, k = (np.atleast_2d(args[0]), np.atleast_2d(args[1]), args[2])
    want = [optimal_acceptance(p, q, k, drafts=kwargs.get("drafts", "iid")) for p, q in zip(P, Q)]
    assert np.allclose(a.reshape(-1), want, rtol=0, atol=1e-9), f"batch {a} != single-pair {want}"


def batch_rate(res: Any, args: tuple, kwargs: dict) -> None:
    """Acceptance in [0, 1] per row and equal (1e-9) to the single-pair acceptance_rate."""
    from theory.speculative import acceptance_rate

    a = _unit_array(res, "acceptance")
    scheme, P, Q, k = args[0], np.atleast_2d(args[1]), np.atleast_2d(args[2]), args[3]
    want = [acceptance_rate(scheme, p, q, k) for p, q in zip(P, Q)]
    assert np.allclose(a.reshape(-1), want, rtol=0, atol=1e-9), f"batch {a} != single-pair {want}"


def logit_pair(res: Any, args: tuple, kwargs: dict) -> None:
    zp, zq = res
    for z in (zp, zq):
        assert z.shape == (args[0], args[1]) and np.all(np.isfinite(z)), f"logits {z.shape} or non-finite"


def saved_file(res: Any, args: tuple, kwargs: dict) -> None:
    """The file reads back (RowReader, a second route) as the array written."""
    from theory.speculative import RowReader

    arr = np.asarray(args[1])
    back = RowReader(args[0]).read(0, arr.shape[0])
    assert np.array_equal(back, arr.astype(np.float64)), "safetensors file does not read back as written"


def row_reader(res: Any, args: tuple, kwargs: dict) -> None:
    """Rows read back exactly (np.load, a second route); reads outside [0, N] are refused."""
    want = np.load(args[0]).astype(np.float64)
    assert res.shape == want.shape, f"shape {res.shape} != {want.shape}"
    assert np.array_equal(res.read(0, want.shape[0]), want) and np.array_equal(res.read(1, 2), want[1:2])
    for lo, hi in ((-1, 1), (2, 1), (0, want.shape[0] + 1)):
        try:
            res.read(lo, hi)
        except ValueError as exc:
            assert "lo" in str(exc) or "hi" in str(exc), f"read({lo}, {hi}): {exc}"
        else:
            raise AssertionError(f"read({lo}, {hi}) accepted on {want.shape[0]} rows")


def _structure(tree: Any) -> Any:
    from theory.speculative import tree_structure

    return tree_structure(tree)


def chain(res: Any, args: tuple, kwargs: dict) -> None:
    st = _structure(res)
    assert st.n_nodes == st.height == args[0], f"chain of {args[0]}: {st.n_nodes} nodes, height {st.height}"


def kary(res: Any, args: tuple, kwargs: dict) -> None:
    st = _structure(res)
    assert st.n_nodes == args[0], f"{st.n_nodes} nodes, want {args[0]}"
    assert all(len(c) <= args[1] for c in st.children), "a node has more than k children"


def structure(res: Any, args: tuple, kwargs: dict) -> None:
    """Preorder view consistent: depth = parent's depth + 1, children list the node's kids."""
    assert res.parent[0] == -1 and res.depth[0] == 0
    for j in range(1, len(res.parent)):
        u = res.parent[j]
        assert 0 <= u < j and res.depth[j] == res.depth[u] + 1 and res.children[u][res.position[j]] == j


def accepted_tokens(res: Any, args: tuple, kwargs: dict) -> None:
    """E[A] in [0, height of the tree]; the law of A sums to 1 and has mean E[A]."""
    height = _structure(args[2]).height
    assert -TOL <= res.value <= height + TOL, f"E[A] = {res.value} outside [0, {height}]"
    is_law(res.accepted_law, "accepted_law", tol=1e-9)
    mean = float(np.asarray(res.accepted_law) @ np.arange(len(res.accepted_law)))
    assert abs(mean - res.value) <= 1e-9, f"E[A] {res.value} != mean of its law {mean}"


def emitted(res: Any, args: tuple, kwargs: dict) -> None:
    """Both laws sum to 1; tv in [0, 1] and 0 for a lossless scheme (rrs, rrs-wor, kseq, block)."""
    is_law(res.law, "law", tol=1e-9)
    is_law(res.target_law, "target_law", tol=1e-9)
    in_unit(res.tv, "tv")
    if kwargs.get("scheme", "rrs") in ("rrs", "rrs-wor", "kseq", "block"):
        assert res.tv <= 1e-9, f"lossless scheme with TV {res.tv} from the target"


def tree_choice(res: Any, args: tuple, kwargs: dict) -> None:
    """n_nodes nodes; value = tree_value(tree) (a second route) within [0, height]."""
    from theory.speculative import tree_value

    st = _structure(res.tree)
    assert st.n_nodes == args[1], f"{st.n_nodes} nodes, want {args[1]}"
    assert -TOL <= res.value <= st.height + TOL, f"value {res.value} outside [0, {st.height}]"
    again = tree_value(res.tree, args[0])
    assert abs(again - res.value) <= 1e-9, f"DP value {res.value} != tree_value {again}"


def greedy(res: Any, args: tuple, kwargs: dict) -> None:
    """n_nodes nodes; the sum of path weights lies in [0, height] (each depth's weights sum <= 1)."""
    st = _structure(res.tree)
    assert st.n_nodes == args[1], f"{st.n_nodes} nodes, want {args[1]}"
    assert -TOL <= res.value <= st.height + TOL, f"value {res.value} outside [0, {st.height}]"


def tree_value_bound(res: Any, args: tuple, kwargs: dict) -> None:
    height = _structure(args[0]).height
    assert math.isfinite(res) and -TOL <= res <= height + TOL, f"value {res} outside [0, {height}]"


def positional(res: Any, args: tuple, kwargs: dict) -> None:
    """a_i in [0, 1], one per child, summing to the node's acceptance <= 1."""
    a = _unit_array(res, "a_i")
    assert a.shape == (args[2],) and a.sum() <= 1 + TOL, f"a = {a}"


def markov_pair(res: Any, args: tuple, kwargs: dict) -> None:
    for (cond, m), what in zip(res, ("target", "draft")):
        assert m == args[1] and cond.shape == (args[0] ** args[1], args[0]), f"{what} shape {cond.shape}"
        assert np.all(cond >= 0) and np.allclose(cond.sum(axis=1), 1.0, rtol=0, atol=1e-12), f"{what} rows"


def verifier(res: Any, args: tuple, kwargs: dict) -> None:
    """A callable that, on a one-node tree, emits 1 or 2 tokens of the vocabulary."""
    p = np.array([[0.5, 0.5], [0.5, 0.5]])
    out = list(res(((),), np.array([-1, 0]), p, p, np.random.default_rng(0)))
    assert 1 <= len(out) <= 2 and all(t in (0, 1) for t in out), f"emitted {out}"


def lossless(res: Any, args: tuple, kwargs: dict) -> None:
    """A lossless verifier is not flagged (false alarm <= 2 level; fixed seed); tv inside its CI."""
    assert res.status == "consistent", f"lossless verifier flagged: {res}"
    in_unit(res.pvalue, "pvalue")
    assert res.tv_lower - TOL <= res.tv <= res.tv_upper + TOL and res.tv <= res.tv_critical


CHECKS: dict[str, Callable[..., None]] = {
    f.__name__: f for f in (finite, finite_unless_status, unit_scalar, nonneg_scalar, pair_of_laws,
                            scheme_law, law_result, draft_sets, simulation, lp_result, subset_result,
                            kseq, rd_result, ba_state, capacity, nrdf, sparse_result, bruteforce,
                            projection, classification, softmax_rows, correlation_bound, any_result,
                            is_bool, consume, att_svm, equals_emd2, batch_optimal, batch_rate, logit_pair,
                            saved_file, row_reader, chain, kary, structure, accepted_tokens, emitted,
                            tree_choice, greedy, tree_value_bound, positional, markov_pair, verifier,
                            lossless)
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
    #: Tailored malformed variants ``(param, variant, args, kwargs, named)`` for arguments the
    #: generic ones do not reach (files, callables, nested trees); the error must name ``named``.
    bad: Callable[[], list[tuple[str, str, tuple, dict, str]]] | None = None


P3 = np.array([0.5, 0.3, 0.2])
Q3 = np.array([0.2, 0.5, 0.3])
H2 = 1.0 - np.eye(2)
PQ2 = (np.stack([P3, Q3]), np.stack([Q3, P3]))


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


def _problem_bad(name: str) -> Callable[[], list[tuple[str, str, tuple, dict, str]]]:
    """P replaced by None or by the raw (a, b, C) triple: a TypeError naming P."""

    def make() -> list[tuple[str, str, tuple, dict, str]]:
        args, kwargs = CASES[f"sparse_ot.{name}"].make()
        bad = {"none": None, "triple": _sparse()}
        return [("P", k, (*args[:-1], v), kwargs, "P") for k, v in bad.items()]

    return make


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


def _c(area: str, name: str, make: Callable[[], Args], check: str = "finite", timeout: float = 30.0, /, *,
       bad: Callable[[], list[tuple[str, str, tuple, dict, str]]] | None = None, **keep: str) -> Case:
    return Case(area, name, make, check, timeout, keep, bad)


_TMP: list[str] = []


def _tmp(name: str) -> str:
    """A path in this process's temporary folder (removed at exit; forked sandboxes share it)."""
    if not _TMP:
        folder = tempfile.mkdtemp(prefix="theory-adversarial-")
        atexit.register(shutil.rmtree, folder, True)
        _TMP.append(folder)
    return os.path.join(_TMP[0], name)


def _file(name: str, content: Any) -> str:
    """Write ``content`` (an array: .npy; bytes: raw) to ``_tmp(name)`` and return the path."""
    path = _tmp(name)
    if isinstance(content, bytes):
        with open(path, "wb") as fh:
            fh.write(content)
    else:
        np.save(path, content)
    return path


_LOGITS = np.array([[0.5, -1.0, 2.0, 0.0], [1.5, 0.25, -0.5, -np.inf], [0.0, 0.0, 3.0, -2.0]])


def _row_reader() -> Args:
    return ((_file("rows.npy", _LOGITS[:, :3].astype(np.float32)),), {})


def _row_reader_bad() -> list[tuple[str, str, tuple, dict, str]]:
    """Missing, empty, garbled, truncated and wrongly typed or shaped files; a non-path."""
    good = np.zeros((3, 2), dtype=np.float32)
    with open(_file("trunc.npy", good), "rb") as fh:
        raw = fh.read()
    files = {
        "missing": _tmp("missing.npy"),
        "empty": _file("empty.npy", b""),
        "garbled": _file("garbled.npy", b"not an npy file at all"),
        "truncated": _file("trunc.npy", raw[:-5]),
        "complex": _file("complex.npy", good + 0.1j),
        "bool": _file("bool.npy", good > 0),
        "int": _file("int.npy", np.ones((3, 2), dtype=np.int64)),
        "text": _file("text.npy", np.array([["a", "b"]])),
        "1-d": _file("oned.npy", np.zeros(3)),
        "0-rows": _file("zero.npy", np.zeros((0, 3))),
        "extension": _file("rows.txt", b"0.5 0.5"),
        "bad-safetensors": _file("bad.safetensors", b"\xff" * 8 + b"{}"),
    }
    out = [("path", k, (v,), {}, v) for k, v in files.items()]
    return out + [("path", "not-a-path", (5,), {}, "path")]


def _save_bad() -> list[tuple[str, str, tuple, dict, str]]:
    path = _tmp("refused.safetensors")
    return [("array", "complex-bf16", (path, _LOGITS[:, :3] + 0.1j), {"bf16": True}, "array"),
            ("array", "1-d", (path, np.zeros(3)), {}, "array"),
            ("array", "3-d", (path, np.zeros((2, 2, 2))), {}, "array"),
            ("array", "empty", (path, np.zeros((0, 3))), {}, "array"),
            ("array", "+inf", (path, np.array([[0.0, np.inf]])), {}, "array"),
            ("name", "non-text", (path, _LOGITS[:, :3]), {"name": 5}, "name")]


def _markov1() -> tuple[tuple[np.ndarray, int], tuple[np.ndarray, int]]:
    from theory.speculative import random_markov_pair

    return random_markov_pair(2, 1, 0)


def _markov_bad(tree: tuple) -> Callable[[], list[tuple[str, str, tuple, dict, str]]]:
    """Malformed order-1 models (the ``(cond, m)`` form the generic variants do not reach) and
    malformed trees, for a function called as ``f(target, draft, tree)``."""

    def make() -> list[tuple[str, str, tuple, dict, str]]:
        from theory.speculative import MarkovLM

        (p, m), q = _markov1()
        bad_p = p.copy()
        bad_p[0] = [1.5, -0.5]
        targets = {"cond-complex": (p + 0.1j, m), "cond-nan": (np.where(p > 0.5, np.nan, p), m),
                   "order-bool": (p, True), "order-float": (p, 1.5), "order-text": (p, "1"),
                   "order-mismatch": (p, 2), "negative-row": (bad_p, m),
                   "unvalidated-MarkovLM": MarkovLM(bad_p, m)}
        out = [("target", k, (v, q, tree), {}, "target") for k, v in targets.items()]
        out += [("draft", "order-differs", ((p, m), (np.array([0.5, 0.5]), 0), tree), {}, "draft")]
        trees = {"list": [[]], "leaf-not-tuple": ((), 5), "text": "()", "too-deep": _deep(300)}
        return out + [("tree", k, ((p, m), q, v), {}, "tree") for k, v in trees.items()]

    return make


def _deep(n: int) -> tuple:
    t: tuple = ()
    for _ in range(n):
        t = (t,)
    return t


def rrs_verifier(*args: Any) -> Any:
    """The package's rrs verifier, as a module-level function (picklable into the sandbox)."""
    from theory.speculative import tree_verifier

    return tree_verifier("rrs")(*args)


def out_of_range_verifier(*args: Any) -> list[int]:
    """A broken verifier: emits a token outside the vocabulary."""
    return [7]


def too_long_verifier(*args: Any) -> list[int]:
    """A broken verifier: emits more tokens than the tree's height + 1."""
    return [0] * 10


def _lossless_bad() -> list[tuple[str, str, tuple, dict, str]]:
    (p, m), (q, _) = _markov1()
    rest, kw = ((p, m), (q, m), ((), ())), {"n": 200, "rng": 0}
    return [("verifier", "not-callable", ("rrs", *rest), kw, "verifier"),
            ("verifier", "token-out-of-range", (out_of_range_verifier, *rest), kw, "verifier"),
            ("verifier", "too-many-tokens", (too_long_verifier, *rest), kw, "verifier"),
            *[(prm, var, (rrs_verifier, *a), kw, named)
              for prm, var, a, _, named in _markov_bad(((), ()))()[:3]]]


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
    _c("speculative", "wor_all_in", lambda: ((Q3, [0, 1], 2), {}), "unit_scalar"),
    _c("speculative", "optimal_acceptance_batch", lambda: ((PQ2[0], PQ2[1], 2), {"drafts": "wor"}),
       "batch_optimal"),
    _c("speculative", "acceptance_rate_batch", lambda: (("kseq", PQ2[0], PQ2[1], 2), {}), "batch_rate"),
    _c("speculative", "from_logits", lambda: ((_LOGITS,), {"temperature": 0.7, "top_k": 3, "top_p": 0.9}),
       "softmax_rows"),
    _c("speculative", "synthetic_logits",
       lambda: ((3, 5), {"rng": 0, "hidden": 4, "drift": 0.6, "scale": 3.0}),
       "logit_pair", rng="see random_pair"),
    _c("speculative", "save_safetensors", lambda: ((_tmp("out.safetensors"), _LOGITS[:, :3]), {}),
       "saved_file", bad=_save_bad,
       path="a destination path: any name is valid; a missing folder raises OSError as open() does",
       name="the tensor's name inside the file: any text is valid (a non-text name is a tailored case)"),
    _c("speculative", "RowReader", _row_reader, "row_reader", bad=_row_reader_bad,
       path="a file path: tailored cases (missing, empty, garbled, truncated, complex, bool, int, "
            "text, 1-d, 0-row files; a non-path) replace the generic text variant"),
    _c("speculative", "chain_tree", lambda: ((3,), {}), "chain"),
    _c("speculative", "kary_tree", lambda: ((5, 2), {}), "kary"),
    _c("speculative", "tree_structure", lambda: ((((), ((),)),), {}), "structure",
       bad=lambda: [("tree", k, (v,), {}, "tree") for k, v in
                    {"list": [[]], "leaf-not-tuple": ((), 5), "text": "()", "too-deep": _deep(300)}.items()]),
    _c("speculative", "expected_accepted", lambda: ((P3, Q3, ((), ((),))), {"scheme": "rrs"}),
       "accepted_tokens", bad=_markov_bad(((), ((),)))),
    _c("speculative", "emitted_law", lambda: ((*_markov1(), ((), ((),))), {"scheme": "rrs-wor"}), "emitted",
       bad=_markov_bad(((), ((),)))),
    _c("speculative", "sequoia_tree", lambda: ((np.array([0.5, 0.3, 0.1]), 5), {}), "tree_choice"),
    _c("speculative", "greedy_tree", lambda: ((Q3, 4), {}), "greedy"),
    _c("speculative", "tree_value", lambda: ((((), ((),)), np.array([0.5, 0.3])), {}), "tree_value_bound",
       bad=lambda: [("tree", "list", ([[]], np.array([0.5, 0.3])), {}, "tree")]),
    _c("speculative", "positional_acceptance", lambda: ((P3, Q3, 2), {"scheme": "rrs"}), "positional"),
    _c("speculative", "random_markov_pair", lambda: ((3, 1, 0), {"concentration": 0.5, "noise": 1.0}),
       "markov_pair", rng="see random_pair"),
    _c("speculative", "tree_verifier", lambda: (("rrs",), {}), "verifier"),
    _c("speculative", "check_lossless",
       lambda: ((rrs_verifier, *_markov1(), ((), ())), {"n": 400, "level": 1e-3, "rng": 0}), "lossless",
       bad=_lossless_bad),
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
       bad=_problem_bad("beta_from_alpha"),
       P="a validated SparseOTProblem (built by sparse_ot_problem, covered; tailored: None, (a, b, C))"),
    _c("sparse_ot", "compute_capacity", lambda: ((64, 8, 1.25), {}), "finite"),
    _c("sparse_ot", "conj_topk", lambda: ((np.array([0.3, -0.1, 0.5]), 2, 1.0), {}), "finite"),
    _c("sparse_ot", "dual_cvx", lambda: (_sparse(), {"k": 2, "gamma": 1.0}), "finite"),
    _c("sparse_ot", "dual_objective", lambda: ((np.zeros(3), np.zeros(4), _problem()), {}), "finite",
       bad=_problem_bad("dual_objective"), P="a validated SparseOTProblem"),
    _c("sparse_ot", "exact_ot", lambda: (_sparse(), {}), "equals_emd2"),
    _c("sparse_ot", "gaussian_toy", lambda: ((16,), {}), "finite"),
    _c("sparse_ot", "instance_a", lambda: ((), {}), "any_result"),
    _c("sparse_ot", "instance_b", lambda: ((), {}), "any_result"),
    _c("sparse_ot", "ksupport_sq", lambda: ((np.array([0.3, -0.1, 0.5]), 2), {}), "nonneg_scalar"),
    _c("sparse_ot", "load_statistics", lambda: ((np.eye(3)[:, :2] * 0.5,), {}), "finite"),
    _c("sparse_ot", "max_k", lambda: ((np.array([0.3, -0.1, 0.5]), 2, 1.0), {}), "finite"),
    _c("sparse_ot", "plan_from_dual", lambda: ((np.zeros(3), np.zeros(4), _problem()), {}), "finite",
       bad=_problem_bad("plan_from_dual"), P="a validated SparseOTProblem"),
    _c("sparse_ot", "plan_from_semi_dual", lambda: ((np.zeros(3), _problem()), {}), "finite",
       bad=_problem_bad("plan_from_semi_dual"), P="a validated SparseOTProblem"),
    _c("sparse_ot", "polish_on_support",
       lambda: ((*_sparse(), 1.0, np.ones((3, 4), dtype=bool)), {}), "finite",
       mask="a boolean support mask: booleans are its valid type"),
    _c("sparse_ot", "pot_semi_dual_trace", lambda: (_sparse(), {"k": 2, "gamma": 1.0}), "any_result"),
    _c("sparse_ot", "proj_sparse_simplex", lambda: ((np.array([0.3, -0.1, 0.5, 0.2]), 2), {}), "projection"),
    _c("sparse_ot", "quadratic_ot", lambda: (_sparse(), {"gamma": 1.0}), "finite_unless_status"),
    _c("sparse_ot", "relaxed_cvx", lambda: (_sparse(), {"k": 2, "gamma": 1.0}), "finite"),
    _c("sparse_ot", "relaxed_primal_value", lambda: ((np.full((3, 4), 1 / 12), _sparse()[2], 2, 1.0), {}),
       "finite"),
    _c("sparse_ot", "route", lambda: ((np.random.default_rng(0).standard_normal((8, 2)),), {}), "finite"),
    _c("sparse_ot", "semi_dual_objective", lambda: ((np.zeros(3), _problem()), {}), "finite",
       bad=_problem_bad("semi_dual_objective"), P="a validated SparseOTProblem"),
    _c("sparse_ot", "solve_sparse_ot", lambda: (_sparse(), {"k": 2, "gamma": 1.0}), "sparse_result"),
    _c("sparse_ot", "sparse_ot_bruteforce", lambda: (_sparse(), {"k": 2, "gamma": 1.0}), "bruteforce"),
    _c("sparse_ot", "sparse_ot_problem", lambda: (_sparse(), {"k": 2, "gamma": 1.0}), "any_result"),
    _c("sparse_ot", "uniform_points", lambda: ((16,), {}), "finite"),
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
    "speculative.TreeStructure": "result type (a NamedTuple returned by tree_structure)",
    "speculative.MarkovLM": "NamedTuple container (cond, order); it validates nothing when built, so every "
                            "public function revalidates it (tailored case 'unvalidated-MarkovLM')",
    **{f"semantic.{n}": "result type (a frozen dataclass built by the solvers)"
       for n in ("CapacityResult", "DirectedRateRewardResult", "FlowDrifts", "GaussianTE", "IBResult",
                 "NRDFResult", "RDResult", "RateRewardResult", "Waterfilling")},
    **{f"sparse_ot.{n}": "result type (a frozen dataclass built by the solvers)"
       for n in ("BruteForceResult", "QuadraticOTResult", "ReferenceInstance", "RouterResult",
                 "SparseOTResult", "DualCvxResult", "RelaxedCvxResult", "POTTrace")},
    "sparse_ot.SparseOTProblem": "validated problem container; built and validated by sparse_ot_problem",
    **{f"attention_svm.{n}": "result type (a frozen dataclass built by the solvers)"
       for n in ("AttSVMResult", "AttentionInstance", "FlatQueries", "SVMEquivalence", "Trajectory")},
    "semantic.RDProblem": "validated problem container; rate_distortion builds one from (p, d) (covered)",
    "attention_svm.AttSVMProblem": "validated problem container; solve_att_svm builds one (covered)",
    "attention_svm.Head": "container built and validated by make_head (covered)",
    **{f"tokenization.{n}": "result type (a frozen dataclass built by the solvers)"
       for n in ("LossResult", "RenewalChain", "TokenRates")},
}
