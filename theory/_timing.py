"""Wall-clock timing shared by the benchmark scripts (benchmarks/) and the figure scripts (figures/)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def best_of(fn: Callable[..., Any], repeat: int, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    """Return the best wall time of ``repeat`` calls ``fn(*args, **kwargs)`` and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - t0)
    return best, out
