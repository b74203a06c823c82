"""Random-number conventions shared by every area.

Every public function that draws random numbers takes ``rng: int | np.random.Generator | None``
and normalises it with :func:`as_generator`. Sweeps derive one independent child seed per task
with :func:`spawn`, so results never depend on how many workers ran them (numpy's
``SeedSequence`` spawning).
"""

from __future__ import annotations

import numpy as np

RngLike = int | np.random.Generator | np.random.SeedSequence | None


def as_generator(rng: RngLike = None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` for ``rng``.

    Parameters
    ----------
    rng
        ``None`` (fresh OS entropy), a non-negative ``int`` seed, a ``SeedSequence`` or an
        existing ``Generator`` (returned unchanged, so callers share its stream).

    Raises
    ------
    ValueError
        If ``rng`` is a negative integer or of another type.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"rng: seed must be a non-negative integer, got {rng}")
        return np.random.default_rng(int(rng))
    raise ValueError(
        f"rng: expected None, a non-negative int seed or a numpy Generator, got {type(rng).__name__}"
    )


def spawn(rng: RngLike, n: int) -> list[np.random.SeedSequence]:
    """Return ``n`` independent child seed sequences derived from ``rng``.

    Child ``i`` depends only on ``rng`` and ``i``, never on the number of workers that later
    consume the children. For a ``Generator`` the children are drawn from its bit generator's
    seed sequence (``Generator.spawn``), which advances the parent deterministically.
    """
    if n < 0:
        raise ValueError(f"n: number of child seeds must be >= 0, got {n}")
    if isinstance(rng, np.random.Generator):
        return [np.random.SeedSequence(int(s)) for s in rng.integers(0, 2**63 - 1, size=n)]
    if isinstance(rng, np.random.SeedSequence):
        return rng.spawn(n)
    if rng is None:
        return np.random.SeedSequence().spawn(n)
    as_generator(rng)  # validates the seed
    return np.random.SeedSequence(int(rng)).spawn(n)
