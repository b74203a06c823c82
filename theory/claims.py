"""The claims registry: every theorem or identity the package checks numerically.

A claim is registered with :func:`claim` in ``theory/<area>/claims.py``::

    @claim("speculative.single-draft-coupling",
           source="SpecTr (Sun et al. 2023), Sec. 2",
           statement="alpha*(K=1) = sum min(p, q) = 1 - TV(p, q)")
    def _(fast: bool, rng: np.random.Generator) -> Measurement:
        ...
        return Measurement(measured=residual, tol=1e-12, params={"V": V})

The check returns a :class:`Measurement`: the measured quantity (a residual, a gap, a ratio),
its tolerance and the parameters used. By default a claim passes when ``measured <= tol``;
``Measurement(..., direction=">=")`` is for lower bounds (e.g. a pass rate that must reach a
threshold). A non-finite measurement, or a check that raises, is a failure; it is never
silently skipped.

Seeds: claim ``c`` run under seed ``s`` receives ``Generator(SeedSequence([s, crc32(c.id)]))``, so
its numbers do not depend on which other claims ran or on how many workers ran them.
"""

from __future__ import annotations

import importlib
import math
import time
import traceback
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

AREAS: tuple[str, ...] = ("attention_svm", "sparse_ot", "speculative", "tokenization", "semantic")

CheckFn = Callable[[bool, np.random.Generator], "Measurement"]


@dataclass(frozen=True)
class Measurement:
    """What a claim's check returns.

    Attributes
    ----------
    measured
        The measured quantity (residual, duality gap, ratio, fraction ...).
    tol
        The tolerance: the claim passes when ``measured <= tol`` (``direction="<="``) or
        ``measured >= tol`` (``direction=">="``).
    params
        Parameters of the instance (sizes, seeds, sample counts), JSON-serialisable.
    direction
        ``"<="`` for residuals and gaps, ``">="`` for lower bounds.
    """

    measured: float
    tol: float
    params: Mapping[str, Any] = field(default_factory=dict)
    direction: Literal["<=", ">="] = "<="

    @property
    def passed(self) -> bool:
        """Whether ``measured`` is finite and on the right side of ``tol`` (``direction``)."""
        m = float(self.measured)
        if not math.isfinite(m):
            return False
        return m <= self.tol if self.direction == "<=" else m >= self.tol


@dataclass(frozen=True)
class Claim:
    """A registered claim: identity, provenance, one-line statement and its check."""

    id: str
    area: str
    source: str
    statement: str
    check: CheckFn


@dataclass(frozen=True)
class ClaimResult:
    """The outcome of running one claim."""

    id: str
    area: str
    source: str
    statement: str
    measured: float
    tol: float
    direction: str
    passed: bool
    seconds: float
    params: Mapping[str, Any]
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (non-finite numbers become strings)."""

        def num(x: float) -> float | str:
            return float(x) if math.isfinite(x) else str(x)

        return {
            "id": self.id,
            "area": self.area,
            "source": self.source,
            "statement": self.statement,
            "measured": num(self.measured),
            "tol": num(self.tol),
            "direction": self.direction,
            "passed": self.passed,
            "seconds": round(self.seconds, 4),
            "params": _jsonable(self.params),
            "error": self.error,
        }


_REGISTRY: dict[str, Claim] = {}
_LOADED = False


def claim(claim_id: str, *, source: str, statement: str) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated check function as claim ``claim_id`` (``<area>.<name>``).

    Raises
    ------
    ValueError
        If the id is malformed, its area is unknown, or the id is already registered.
    """
    area, _, name = claim_id.partition(".")
    if area not in AREAS or not name:
        raise ValueError(
            f"claim_id: must be '<area>.<name>' with area in {', '.join(AREAS)}; got {claim_id!r}"
        )
    if not statement or "\n" in statement:
        raise ValueError(f"statement: must be one non-empty line (claim {claim_id!r})")

    def register(fn: CheckFn) -> CheckFn:
        if claim_id in _REGISTRY and _REGISTRY[claim_id].check is not fn:
            raise ValueError(f"claim_id: {claim_id!r} is registered twice")
        _REGISTRY[claim_id] = Claim(claim_id, area, source, statement, fn)
        return fn

    return register


def _load_all() -> None:
    """Import ``theory.<area>.claims`` for every area that has one."""
    global _LOADED
    if _LOADED:
        return
    for area in AREAS:
        modname = f"theory.{area}.claims"
        try:
            importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            # Only an area that has no claims module yet is skipped; any other import error
            # inside a claims module propagates.
            if exc.name not in (modname, f"theory.{area}"):
                raise
    _LOADED = True


def registry() -> dict[str, Claim]:
    """All registered claims, keyed by id, in registration order."""
    _load_all()
    return dict(_REGISTRY)


def select(names: Iterable[str] | None = None) -> list[Claim]:
    """Resolve area names and claim ids to claims (all claims when ``names`` is empty).

    Raises
    ------
    ValueError
        For an unknown name; the short message suggests the closest ids (difflib) and lists
        the areas.
    """
    reg = registry()
    names = list(names or [])
    if not names:
        return list(reg.values())
    chosen: dict[str, Claim] = {}
    for name in names:
        if name in AREAS:
            chosen.update({c.id: c for c in reg.values() if c.area == name})
        elif name in reg:
            chosen[name] = reg[name]
        else:
            from theory._format import suggest

            close = suggest(name, [*AREAS, *reg])
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise ValueError(
                f"unknown claim or area {name!r}.{hint} Areas: {', '.join(AREAS)}; "
                f"`theory list` prints the {len(reg)} claim ids."
            )
    return [reg[i] for i in reg if i in chosen]


def claim_seed(seed: int, claim_id: str) -> np.random.SeedSequence:
    """Return the seed sequence claim ``claim_id`` receives under run seed ``seed``."""
    return np.random.SeedSequence([int(seed), zlib.crc32(claim_id.encode())])


def run_claim(c: Claim, *, fast: bool = False, seed: int = 0) -> ClaimResult:
    """Run one claim; an exception or a non-finite measurement is recorded as a failure."""
    rng = np.random.default_rng(claim_seed(seed, c.id))
    t0 = time.perf_counter()
    try:
        m = c.check(fast, rng)
        if not isinstance(m, Measurement):
            raise TypeError(f"check of {c.id} returned {type(m).__name__}, expected Measurement")
        error = None
        measured, tol, direction, params, passed = (
            float(m.measured), float(m.tol), m.direction, dict(m.params), m.passed)
    except Exception as exc:  # a crashing check is a failed claim, reported with its cause
        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
        measured, tol, direction, params, passed = math.nan, math.nan, "<=", {}, False
    seconds = time.perf_counter() - t0
    return ClaimResult(c.id, c.area, c.source, c.statement, measured, tol, direction,
                       passed, seconds, params, error)


def run(ids_or_areas: Sequence[str] | None = None, *, fast: bool = False, jobs: int = 1,
        rng: int = 0, progress: bool = False, address: str | None = None) -> list[ClaimResult]:
    """Run the selected claims (all when ``ids_or_areas`` is empty) and return their results.

    Parameters
    ----------
    ids_or_areas
        Claim ids and/or area names.
    fast
        Shrink instance sizes (about 15 s for all claims with ``jobs=2`` on 2 idle cores).
    jobs
        Number of worker processes (joblib); results do not depend on it.
    rng
        Integer run seed; each claim derives its own child seed from it and its id.
    progress
        Report progress on stderr: a bar on a terminal, else one line per finished claim with
        its id, outcome and seconds.
    address
        A ``dask.distributed`` scheduler address (``tcp://host:8786``): run the claims on that
        cluster instead (needs the ``distributed`` extra and the package on every worker);
        results equal the serial ones since each claim's seed depends only on ``rng`` and its id.
    """
    from theory._sweep import sweep

    claims = select(ids_or_areas)
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)) or rng < 0:
        raise ValueError(f"rng: run seed must be a non-negative integer, got {rng!r}")
    return sweep(_run_by_id, [{"claim_id": c.id, "fast": fast, "seed": int(rng)} for c in claims],
                 jobs=jobs, address=address, progress=progress, desc="claims",
                 label=_progress_label)


def _progress_label(r: ClaimResult) -> str:
    return f"{r.id} {'PASS' if r.passed else 'FAIL'} {r.seconds:.1f} s"


def _run_by_id(claim_id: str, fast: bool, seed: int) -> ClaimResult:
    # Workers re-import the registry, so only the id crosses the process boundary.
    return run_claim(registry()[claim_id], fast=fast, seed=seed)


def _jsonable(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        v = float(x)
        return v if math.isfinite(v) else str(v)
    return x
