"""Malformed variants of a valid call: each replaces one argument by a value of the wrong kind
(complex, NaN, 0-d, text, bool, non-integer, unknown option) and expects a ValueError/TypeError
that names that argument."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import numpy as np

from tests.adversarial.cases import Case


def _numeric_array(value: Any) -> np.ndarray | None:
    if isinstance(value, (str, bytes, bool, int, float, np.generic)) or value is None:
        return None
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        return None
    if arr.dtype.kind not in "fiu" or arr.ndim == 0 or arr.size == 0:
        return None
    return arr


def variants(value: Any) -> list[tuple[str, Any]]:
    """Malformed replacements for a valid argument value."""
    if isinstance(value, (bool, np.bool_)):
        return []
    if isinstance(value, (int, np.integer)):
        return [("bool", True), ("non-integer", 2.5), ("text", "2")]
    if isinstance(value, (float, np.floating)):
        return [("nan", float("nan")), ("complex", 0.5 + 0.5j), ("text", "x"), ("bool", True)]
    if isinstance(value, str):
        return [("unknown-option", "no-such-option")]
    arr = _numeric_array(value)
    if arr is None:
        return []
    out: list[tuple[str, Any]] = [("complex", arr + 0.1j), ("text", "abc")]
    if arr.dtype.kind == "f":
        bad = arr.astype(float).copy()
        bad.flat[0] = np.nan
        out += [("nan", bad), ("0-d", np.float64(arr.flat[0])), ("bool-array", arr != 0)]
    else:
        out += [("non-integer", arr + 0.5)]
    return out


def huge(case: Case) -> Iterator[tuple[str, tuple, dict]]:
    """``(param, args, kwargs)`` with one integer argument set to 10**9 (sizes, steps, k)."""
    import importlib

    func = getattr(importlib.import_module(f"theory.{case.area}"), case.name)
    args, kwargs = case.make()
    names = [p.name for p in inspect.signature(func).parameters.values()
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    for i, value in enumerate(args):
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and names[i] not in case.keep:
            new = list(args)
            new[i] = 10**9
            yield names[i], tuple(new), dict(kwargs)
    for param, value in kwargs.items():
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and param not in case.keep:
            yield param, tuple(args), {**kwargs, param: 10**9}


def malformed(case: Case) -> Iterator[tuple[str, str, tuple, dict, str]]:
    """``(param, variant, args, kwargs, named)`` for every malformed variant of ``case``'s valid
    call (generic ones, then the case's tailored ones); the error must name ``named``."""
    import importlib

    func = getattr(importlib.import_module(f"theory.{case.area}"), case.name)
    args, kwargs = case.make()
    names = [p.name for p in inspect.signature(func).parameters.values()
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    for i, value in enumerate(args):
        param = names[i]
        if param in case.keep:
            continue
        for variant, bad in variants(value):
            new = list(args)
            new[i] = bad
            yield param, variant, tuple(new), dict(kwargs), param
    for param, value in kwargs.items():
        if param in case.keep:
            continue
        for variant, bad in variants(value):
            yield param, variant, tuple(args), {**kwargs, param: bad}, param
    if case.bad is not None:
        yield from case.bad()
