"""The ``rate`` alias that the semantic result types keep for one release (issue 14)."""

from __future__ import annotations


class RateAlias:
    """Mixin for a result whose ``value`` is a rate: ``rate`` is the documented alias of ``value``."""

    value: float

    @property
    def rate(self) -> float:
        """Alias of ``value`` (bits, per letter where the result says so)."""
        return self.value
