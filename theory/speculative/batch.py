"""Exact acceptance bounds over datasets of next-token distributions, on any array library.

Every function takes ``target`` = p and ``draft`` = q of shape (N, V) (one row per position; a
single (V,) row also works) and evaluates, row by row, the same exact formulas as the single-pair
functions of :mod:`theory.speculative`:

- :func:`optimal_acceptance_batch`: ``alpha* = 1 + min_B [p(B) - P(all K drafts in B)]`` for iid,
  without-replacement and greedy drafts (the sorted-prefix theorem; one sort of p/q serves every K);
- :func:`acceptance_rate_batch`: the exact acceptance of RRS, K-SEQ, greedy and the optimum;
- :func:`from_logits`: temperature / top-k / top-p sampling transforms, in float64.

Inputs may be numpy, CuPy, PyTorch, JAX or ``array_api_strict`` arrays: the computation goes
through the Python array API standard (``array_api_compat``) and runs where the input lives, in
float64, returning the same kind of array. Nothing but ``array_api_compat`` is imported here.

Sources: SpecTr (Sun et al. 2023), Hu et al. (ICLR 2025), SpecInfer (RRS).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import array_api_compat

from theory._validate import InputTypeError, as_positive_float
from theory.speculative._batch_schemes import CPU_BLOCK_ELEMS, DEVICE_BLOCK_ELEMS, evaluate
from theory.speculative._batch_sorted import prefix
from theory.speculative._batch_wor import WOR_BLOCK_ELEMS, WOR_MAX_STEP, WOR_MIN_NODES

# The computation lives in private modules (input preparation and the public functions here):
# _batch_sorted (one sort by p/q and its prefix sums), _batch_iid (iid and greedy optimum),
# _batch_wor (without-replacement optimum), _batch_schemes (rrs, kseq, one-sort evaluation).
__all__ = [
    "BATCH_SCHEMES",
    "CPU_BLOCK_ELEMS",
    "DEVICE_BLOCK_ELEMS",
    "DRAFT_LAWS",
    "NEEDED_FUNCTIONS",
    "PMF_ATOL",
    "WOR_BLOCK_ELEMS",
    "WOR_MAX_STEP",
    "WOR_MIN_NODES",
    "acceptance_rate_batch",
    "from_logits",
    "namespace",
    "optimal_acceptance_batch",
    "prepare_pair",
]

#: Array API functions the batched formulas need (array API 2024.12).
NEEDED_FUNCTIONS: tuple[str, ...] = (
    "argsort", "take_along_axis", "cumulative_sum", "minimum", "maximum", "where", "concat",
    "expm1", "exp", "log", "flip", "sum", "min", "max", "argmax", "isfinite", "astype", "clip",
    "zeros", "ones", "full", "sort", "all", "any", "abs", "stack", "reshape", "arange", "isnan",
)
#: Absolute tolerance on each row's total mass (as :func:`theory._validate.as_pmf`).
PMF_ATOL = 1e-9
#: Draft laws and schemes evaluated in batch.
DRAFT_LAWS: tuple[str, ...] = ("iid", "wor", "greedy")
BATCH_SCHEMES: tuple[str, ...] = ("rrs", "kseq", "greedy", "optimal", "optimal-wor")


def namespace(*arrays: Any) -> Any:
    """Return the array API namespace of ``arrays``, checked for every function the batch code needs.

    Raises ``TypeError`` naming the library and the missing functions, instead of a traceback
    from deep inside the computation.
    """
    try:
        xp = array_api_compat.array_namespace(*arrays)
    except TypeError as exc:
        raise TypeError(f"target/draft: not arrays of one supported library ({exc})") from None
    missing = [name for name in NEEDED_FUNCTIONS if not hasattr(xp, name)]
    if missing:
        raise TypeError(
            f"array library {getattr(xp, '__name__', xp)!s} lacks {', '.join(missing)} "
            "(array API 2024.12), which the batched formulas need; pass numpy arrays or upgrade it"
        )
    return xp


def _as_array(x: Any, name: str) -> Any:
    if array_api_compat.is_array_api_obj(x):
        return x
    import numpy as np  # plain sequences: numpy is the default library

    try:
        raw = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: cannot be converted to a float array ({exc})") from None
    if raw.dtype.kind in "bc":
        raise TypeError(f"{name}: expected real numbers, got {raw.dtype} values; pass real "
                        "probabilities (or logits)")
    try:
        return np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: cannot be converted to a float array ({exc})") from None


def _float64(x: Any, xp: Any, name: str) -> Any:
    kind = getattr(getattr(x, "dtype", None), "kind", None)  # numpy-like dtypes; others via isdtype
    if kind in ("c", "b", "U", "S", "O", "V") or (kind is None and (
            xp.isdtype(x.dtype, "complex floating") or xp.isdtype(x.dtype, "bool"))):
        raise InputTypeError(f"{name}: expected a real numeric array, got dtype {x.dtype}; complex, "
                             "boolean and text arrays are not cast silently")
    try:
        return xp.astype(x, xp.float64, copy=False)
    except Exception as exc:  # e.g. devices without float64 (Apple MPS), JAX without x64
        raise TypeError(
            f"{name}: the batched formulas compute in float64, which this array library/device "
            f"refuses ({type(exc).__name__}: {exc}); move the data to a device with float64 "
            "(for JAX: jax.config.update('jax_enable_x64', True))"
        ) from None


def _first_true(mask: Any, xp: Any) -> int:
    """Index of the first True entry of a 1-d boolean array (which must have one)."""
    return int(xp.argmax(xp.astype(mask, xp.int8)))


def _validate_rows(x: Any, name: str, xp: Any) -> Any:
    """float64 (N, V) rows: finite, >= 0, each summing to 1 within ``PMF_ATOL``."""
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name}: expected shape (N, V) or (V,) with N, V >= 1, got {tuple(x.shape)}")
    # One pass for the common case (NaN fails both comparisons); details only on failure.
    in_range = xp.all((x >= 0.0) & (x <= 1.0 + PMF_ATOL))
    if bool(in_range) and bool(xp.all(xp.abs(xp.sum(x, axis=-1) - 1.0) <= PMF_ATOL)):
        return x
    finite = xp.all(xp.isfinite(x), axis=-1)
    if not bool(xp.all(finite)):
        raise ValueError(f"{name}: row {_first_true(~finite, xp)} has NaN or inf entries; remove them")
    nonneg = xp.all(x >= 0, axis=-1)
    if not bool(xp.all(nonneg)):
        raise ValueError(f"{name}: row {_first_true(~nonneg, xp)} has negative entries; clip or fix it")
    off = xp.abs(xp.sum(x, axis=-1) - 1.0) > PMF_ATOL
    if bool(xp.any(off)):
        row = _first_true(off, xp)
        total = float(xp.sum(x[row, :]))
        raise ValueError(f"{name}: row {row} sums to {total!r}, not 1 within {PMF_ATOL:g}; "
                         "normalise rows (x / x.sum(-1, keepdims=True)) or pass logits to from_logits")
    return x


def prepare_pair(target: Any, draft: Any) -> tuple[Any, Any, Any, bool]:
    """Validate a target/draft pair of pmf rows into float64 (N, V) arrays of one library.

    Parameters
    ----------
    target, draft
        p and q: arrays of shape (N, V) (rows are pmfs within ``PMF_ATOL``) or (V,), of any
        array-API library, or plain sequences (numpy).

    Returns
    -------
    p, q, xp, single
        The float64 (N, V) rows where the input lives, the array namespace, and whether the
        input was a single (V,) row.

    Raises
    ------
    ValueError, TypeError
        Naming ``target`` or ``draft``: bad shape, dtype, entries or row sums.
    """
    p_in, q_in = _as_array(target, "target"), _as_array(draft, "draft")
    xp = namespace(p_in, q_in)
    single = p_in.ndim == 1
    p = _float64(p_in, xp, "target")
    q = _float64(q_in, xp, "draft")
    if single:
        p, q = p[None, :], q[None, :]
    p = _validate_rows(p, "target", xp)
    q = _validate_rows(q, "draft", xp)
    if tuple(q.shape) != tuple(p.shape):
        raise ValueError(f"draft: expected the target's shape {tuple(p.shape)} (N rows x V tokens), "
                         f"got {tuple(q.shape)}")
    return p, q, xp, single


def _ks(k: Any) -> tuple[list[int], bool]:
    scalar = not isinstance(k, (Sequence, range)) or isinstance(k, str)
    values = [k] if scalar else list(k)
    if not values:
        raise ValueError("k: expected a positive integer or a non-empty sequence of them, got []")
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int) and not hasattr(v, "__index__"):
            raise ValueError(f"k: expected positive integers, got {v!r}")
        if int(v) < 1:
            raise ValueError(f"k: must be >= 1, got {int(v)}")
        out.append(int(v))
    return out, scalar


def _shape_out(values: Any, xp: Any, single: bool, scalar: bool) -> Any:
    """(N, n_k) -> (N,), (n_k,) or () as the inputs asked."""
    if scalar:
        values = values[:, 0]
    if single:
        values = values[0, ...]
    return values

def _choice(x: Any, name: str, choices: Sequence[str]) -> str:
    if x not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, choices))}, got {x!r}")
    return str(x)


def optimal_acceptance_batch(target: Any, draft: Any, k: Any, *, drafts: str = "iid") -> Any:
    """Exact optimal acceptance alpha* of K drafts, row by row, on any array library.

    ``alpha* = 1 + min_B [p(B) - P(all K drafts in B)]`` per row (Hu et al., ICLR 2025), as in
    :func:`~theory.speculative.optimal_acceptance`:

    - ``"iid"``: ``P = q(B)^K``, minimum over the V + 1 prefixes of the tokens sorted by p/q;
    - ``"wor"``: K = 2 closed form ``q(B) - (1 - q(B)) sum_{x in B} q_x / (1 - q_x)`` (with
      ``1 - q_x`` summed directly, so near point masses stay exact); K >= 3 the race integral
      ``1 - lambda - lambda int e^{-t} sum_{1<=m<K} e_m(expm1(q t)) dt`` for every prefix
      (``lambda = 1 - q(B)``), trapezoid rule in log t with >= 128 nodes and step <= 0.21, with
      the elementary symmetric polynomials carried in a scaled, overflow-free form;
    - ``"greedy"``: ``p(T) + sum_{y not in T} min(p, q~)``, T the top-(K-1) tokens of q.

    ``k = 1`` gives ``sum min(p, q)``. For "wor" and "greedy" a K above a row's ``|supp q|``
    acts as ``|supp q|`` (the draft set is then supp q), where the single-pair function raises.

    Parameters
    ----------
    target, draft
        p and q: arrays of shape (N, V) (rows are pmfs) or (V,), numpy, CuPy, PyTorch, JAX or
        any array-API library; computed in float64 where they live.
    k
        K >= 1, or a sequence of K values (one sort serves them all).
    drafts
        ``"iid"``, ``"wor"`` or ``"greedy"``.

    Returns
    -------
    array
        Same library and device as the input; shape (N,) for an int ``k``, (N, len(k)) for a
        sequence; the leading N axis is dropped for a (V,) input.

    Notes
    -----
    Cost per row: O(V log V) for iid, greedy and wor K = 2; O(K V n_nodes) for wor K >= 3
    (n_nodes ~ 130-300), in row blocks of at most ``WOR_BLOCK_ELEMS`` elements.
    """
    law = _choice(drafts, "drafts", DRAFT_LAWS)
    ks, scalar = _ks(k)
    p, q, xp, single = prepare_pair(target, draft)
    values = evaluate(p, q, ks, xp, drafts=(law,))[law]
    return _shape_out(values, xp, single, scalar)


def acceptance_rate_batch(scheme: str, target: Any, draft: Any, k: Any) -> Any:
    """Exact acceptance ``P(Y in S(X))`` of a verification scheme, row by row.

    - ``"rrs"``: ``1 - prod_{i<=K} (1 - beta_i)``, ``beta_i = sum min(p_i, q)``,
      ``p_{i+1} = norm((p_i - q)^+)`` (SpecInfer), O(K V);
    - ``"kseq"``: ``1 - (1 - beta(rho*))^K`` (SpecTr K-SEQ), rho* the root of
      ``rho beta(rho) = 1 - (1 - beta(rho))^K`` located between the breakpoints of
      ``beta(rho) = sum min(q, p/rho)`` and bisected in-segment to adjacent floats, O(V log V);
    - ``"greedy"``: ``p(T) + sum_{y not in T} min(p, q~)``;
    - ``"optimal"`` / ``"optimal-wor"``: :func:`optimal_acceptance_batch` with iid / wor drafts.

    Parameters and return shape as :func:`optimal_acceptance_batch`. ``"rrs-wor"`` has no
    batched form (its exact recursion costs O(V^K)); use ``acceptance_rate`` on small V.

    Notes
    -----
    Each equals the single-pair :func:`~theory.speculative.acceptance_rate` row by row (checked
    to 1e-12 in the claims ``speculative.batch-*``).
    """
    if scheme == "rrs-wor":
        raise ValueError("scheme: 'rrs-wor' has no batched exact form (O(V^K) recursion); "
                         "use theory.speculative.acceptance_rate on each row of small V")
    name = _choice(scheme, "scheme", BATCH_SCHEMES)
    ks, scalar = _ks(k)
    p, q, xp, single = prepare_pair(target, draft)
    values = evaluate(p, q, ks, xp, schemes=(name,))[name]
    return _shape_out(values, xp, single, scalar)


def from_logits(logits: Any, *, temperature: float = 1.0, top_k: int | None = None,
                top_p: float | None = None) -> Any:
    """Return the sampling probabilities from logits: temperature, then top-k, then top-p; float64.

    - ``temperature = 0``: greedy, the one-hot of the first maximal logit;
    - ``temperature > 0``: ``softmax(z / T)`` (max subtracted, computed in float64 from any
      input precision, float16/bfloat16 included);
    - ``top_k``: keep the tokens whose scaled logit is >= the k-th largest (ties kept);
    - ``top_p``: keep the smallest prefix of the tokens sorted by probability whose mass is
      >= p, and every token tied with its last one; renormalise.

    ``-inf`` logits (masked tokens) get probability 0; NaN or ``+inf`` raise ``ValueError``,
    as does a row whose logits are all ``-inf``.

    Parameters
    ----------
    logits
        Array of shape (N, V) or (V,), any array-API library.
    temperature
        T >= 0.
    top_k
        Positive integer, or None.
    top_p
        In (0, 1], or None.

    Returns
    -------
    array
        Probabilities of the same shape, float64, same library and device. O(V log V) per row
        with top-k/top-p, O(V) otherwise.
    """
    x_in = _as_array(logits, "logits")
    xp = namespace(x_in)
    t = as_positive_float(temperature, "temperature", allow_zero=True)
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise ValueError(f"top_k: expected a positive integer or None, got {top_k!r}")
    if top_p is not None and (isinstance(top_p, bool) or not (isinstance(top_p, (int, float))
                                                            and 0.0 < float(top_p) <= 1.0)):
        raise ValueError(f"top_p: expected a number in (0, 1] or None, got {top_p!r}")
    z = _float64(x_in, xp, "logits")
    single = z.ndim == 1
    if single:
        z = z[None, :]
    if z.ndim != 2 or z.shape[0] == 0 or z.shape[1] == 0:
        raise ValueError(f"logits: expected shape (N, V) or (V,) with N, V >= 1, got {tuple(x_in.shape)}")
    bad = xp.any(xp.isnan(z) | (z == math.inf), axis=-1)
    if bool(xp.any(bad)):
        raise ValueError(f"logits: row {_first_true(bad, xp)} has NaN or +inf entries; fix the input")
    z_max = xp.max(z, axis=-1, keepdims=True)
    dead = z_max[:, 0] == -math.inf
    if bool(xp.any(dead)):
        raise ValueError(f"logits: row {_first_true(dead, xp)} is all -inf (no token can be sampled)")
    v = z.shape[1]
    idx = xp.reshape(xp.arange(v, device=array_api_compat.device(z)), (1, -1))
    if t == 0.0:
        first = xp.reshape(xp.argmax(z, axis=-1), (-1, 1))
        probs = xp.astype(idx == first, xp.float64)
        return probs[0, :] if single else probs
    keep = z > -math.inf
    if top_k is not None and top_k < v:
        kth = xp.flip(xp.sort(z, axis=-1), axis=-1)[:, top_k - 1:top_k]
        keep = keep & (z >= kth)
    e = xp.where(keep, xp.exp((xp.where(keep, z, z_max) - z_max) / t), 0.0)
    probs = e / xp.sum(e, axis=-1, keepdims=True)
    if top_p is not None and float(top_p) < 1.0:
        desc = xp.flip(xp.sort(probs, axis=-1), axis=-1)
        before = prefix(desc, xp)[:, :-1]  # mass of the tokens ranked before each one
        threshold = xp.min(xp.where(before < float(top_p), desc, math.inf), axis=-1, keepdims=True)
        probs = xp.where(probs >= threshold, probs, 0.0)
        probs = probs / xp.sum(probs, axis=-1, keepdims=True)
    return probs[0, :] if single else probs
