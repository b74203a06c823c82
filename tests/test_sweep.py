"""Sweeps and seeds: results never depend on the backend or the number of workers."""

from __future__ import annotations

import numpy as np
import pytest

from theory._rng import as_generator, spawn
from theory._sweep import grid, sweep


def _draw(n: int, scale: float, rng: np.random.SeedSequence) -> float:
    return float(scale * as_generator(rng).normal(size=n).sum())


def test_serial_and_joblib_identical():
    tasks = grid(n=[3, 10], scale=[1.0, 2.0, 3.0])
    serial = sweep(_draw, tasks, rng=123, seeded=True, jobs=1)
    parallel = sweep(_draw, tasks, rng=123, seeded=True, jobs=2)
    assert serial == parallel
    assert len(set(serial)) == len(serial)  # children really differ


def test_grid_order_and_validation():
    assert grid(a=[1, 2], b="xy") == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"},
                                      {"a": 2, "b": "x"}, {"a": 2, "b": "y"}]
    with pytest.raises(ValueError, match="jobs"):
        sweep(_draw, [], jobs=0)


def test_rng_normalisation():
    g = np.random.default_rng(1)
    assert as_generator(g) is g
    assert as_generator(5).integers(1000) == as_generator(5).integers(1000)
    with pytest.raises(ValueError, match="rng"):
        as_generator(-1)
    with pytest.raises(ValueError, match="rng"):
        as_generator("seed")
    a = [s.generate_state(1)[0] for s in spawn(7, 4)]
    b = [s.generate_state(1)[0] for s in spawn(7, 4)]
    assert a == b and len(set(a)) == 4
