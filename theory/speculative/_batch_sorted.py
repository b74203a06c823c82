"""Row-wise sort by p/q and the prefix/suffix sums the batched formulas read (any array library).

Private helpers of :mod:`theory.speculative.batch`: every array here is a validated float64
(N, V) block of the namespace ``xp``.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import array_api_compat


def prefix(x: Any, xp: Any) -> Any:
    """Exclusive-and-inclusive prefix sums: column 0 is 0, column j is sum of the first j entries."""
    zero = xp.zeros((x.shape[0], 1), dtype=x.dtype, device=array_api_compat.device(x))
    return xp.concat([zero, xp.cumulative_sum(x, axis=-1)], axis=-1)


def suffix(x: Any, xp: Any) -> Any:
    """Suffix sums with a trailing 0: column j is the sum of entries j..V-1 (no cancellation)."""
    zero = xp.zeros((x.shape[0], 1), dtype=x.dtype, device=array_api_compat.device(x))
    return xp.concat([xp.flip(xp.cumulative_sum(xp.flip(x, axis=-1), axis=-1), axis=-1), zero],
                     axis=-1)


def column(x: Any, idx: Any, xp: Any) -> Any:
    """``x[i, idx[i]]`` for every row i."""
    return xp.take_along_axis(x, xp.reshape(idx, (-1, 1)), axis=-1)[:, 0]


class SortedRows:
    """One row-wise sort of the tokens by p/q ascending, with the prefix and suffix sums.

    Stable; p/q = inf where q = 0. The prefix and suffix sums are those the batched formulas read (each
    computed once, when first needed).
    """

    def __init__(self, p: Any, q: Any, xp: Any, *, stable: bool = True) -> None:
        self.p, self.q, self.xp, self.stable = p, q, xp, stable

    @cached_property
    def _ratio(self) -> Any:
        xp, pos = self.xp, self.q > 0
        # p/q overflows to +inf only for subnormal q, the right limit; tokens p = q = 0 land in
        # the q = 0 group, which adds nothing to any prefix sum, so the prefix minimum is unchanged.
        return xp.where(pos, self.p / xp.where(pos, self.q, 1.0), math.inf)

    @cached_property
    def order(self) -> Any:
        # Tie order cannot move the iid/kseq optimum (the objective is concave along a tie group),
        # so those may use an unstable sort; wor keeps the stable order of the single-pair code.
        return self.xp.argsort(self._ratio, axis=-1, stable=self.stable)

    @cached_property
    def ps(self) -> Any:
        return self.xp.take_along_axis(self.p, self.order, axis=-1)

    @cached_property
    def qs(self) -> Any:
        return self.xp.take_along_axis(self.q, self.order, axis=-1)

    @cached_property
    def p_cum(self) -> Any:
        """p(B_j), j = 0..V."""
        return prefix(self.ps, self.xp)

    @cached_property
    def ratio(self) -> Any:
        """p/q in sorted order."""
        return self.xp.take_along_axis(self._ratio, self.order, axis=-1)

    @cached_property
    def q_cum(self) -> Any:
        """q(B_j), j = 0..V, capped at 1."""
        return self.xp.minimum(prefix(self.qs, self.xp), 1.0)

    @cached_property
    def q_tail(self) -> Any:
        """Q outside B_j, j = 0..V, summed from the end (no cancellation)."""
        return suffix(self.qs, self.xp)

    @cached_property
    def total(self) -> Any:
        return self.xp.sum(self.q, axis=-1)

    @cached_property
    def support(self) -> Any:
        """|supp q| per row."""
        return self.xp.sum(self.xp.astype(self.q > 0, self.xp.int64), axis=-1)

    @cached_property
    def single(self) -> Any:
        """K = 1: sum min(p, q)."""
        return self.xp.sum(self.xp.minimum(self.p, self.q), axis=-1)

