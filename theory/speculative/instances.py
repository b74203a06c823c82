"""Synthetic target/draft pairs for figures, notebooks and benchmarks (no model downloads)."""

from __future__ import annotations

import numpy as np

from theory._rng import RngLike, as_generator
from theory._validate import as_int, as_positive_float

#: Largest vocabulary the synthetic pairs build.
MAX_VOCAB = 10**7


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def synthetic_pair(vocab: int = 50, temperature: float = 1.0, *, wobble: float = 0.8
                   ) -> tuple[np.ndarray, np.ndarray]:
    """A Zipf-like target and a perturbed draft at a common temperature.

    ``z_p[i] = -ln(i + 1)``, ``z_q[i] = z_p[i] + wobble * sin(1.7 i + 0.3)``,
    ``p = softmax(z_p / T)``, ``q = softmax(z_q / T)``. Deterministic; O(V).

    Returns
    -------
    (target, draft)
        Two pmfs of length ``vocab``.
    """
    v = as_int(vocab, "vocab", min_value=2, max_value=MAX_VOCAB)
    t = as_positive_float(temperature, "temperature")
    w = as_positive_float(wobble, "wobble", allow_zero=True)
    i = np.arange(v, dtype=np.float64)
    z_p = -np.log(i + 1.0)
    z_q = z_p + w * np.sin(1.7 * i + 0.3)
    return _softmax(z_p / t), _softmax(z_q / t)


def random_pair(vocab: int, rng: RngLike = None, *, concentration: float = 0.5
                ) -> tuple[np.ndarray, np.ndarray]:
    """Independent Dirichlet(concentration) target and draft. O(V).

    ``rng`` is a seed, a Generator or None (see :func:`theory._rng.as_generator`).
    """
    v = as_int(vocab, "vocab", min_value=2, max_value=MAX_VOCAB)
    c = as_positive_float(concentration, "concentration")
    gen = as_generator(rng)
    return gen.dirichlet(np.full(v, c)), gen.dirichlet(np.full(v, c))
