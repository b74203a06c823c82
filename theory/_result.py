"""The result protocol shared by the package's solvers.

Every solver returns a frozen dataclass that derives from :class:`SolverResult`, so that the same
core fields mean the same thing in every area:

``value``
    The optimal (or estimated) value the solver was asked for.
``status``
    A snake_case word from a vocabulary that the solver's docstring lists (``"optimal"``,
    ``"max_iter"``, ``"infeasible"``, ...). A value that is not certified says so here.
``converged``
    ``True`` when the solver's own stopping test (or certificate) was met.
``n_iter``
    Iterations (or samples, or LP pivots: the docstring says which) that the run took.
``diagnostics``
    A read-only mapping of named floats: duality gaps, marginal errors, standard errors.

The core fields are keyword-only, so a subclass declares its domain fields (``plan``, ``W``,
``test_channel`` ...) positionally after them without reordering.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar


@dataclass(frozen=True, kw_only=True)
class SolverResult:
    """Core fields of every solver result (see the module docstring)."""

    value: float
    status: str
    converged: bool
    n_iter: int = 0
    diagnostics: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "diagnostics", MappingProxyType(dict(self.diagnostics)))


class TupleCompat:
    """Unpacking and indexing of a frozen dataclass that replaced a tuple return.

    A subclass names the fields the old tuple held, in order, in ``_tuple_fields``; ``a, b = f()``
    and ``f()[0]`` keep working (kept for one release so that users' scripts do not break).
    """

    _tuple_fields: ClassVar[tuple[str, ...]] = ()

    def _as_tuple(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._tuple_fields)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._as_tuple())

    def __getitem__(self, index: int) -> Any:
        return self._as_tuple()[index]

    def __len__(self) -> int:
        return len(self._tuple_fields)
