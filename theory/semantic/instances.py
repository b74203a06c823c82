"""Reference instances of :mod:`theory.semantic` used by its claims, tests and notebooks.

``T2``: a three-letter source with squared-error distortion, ``p = (0.5, 0.3, 0.2)``,
``d(x, y) = (x - y)^2``; its R(D) has no closed form and is checked by two routes (Blahut-Arimoto
and the exponential-cone program), and at the Hamming distortion against the Shannon lower bound.

``HAMMING2``: the binary Hamming distortion; with ``Bern(p)`` sources ``R(D) = h(p) - h(D)`` for
``D < min(p, 1 - p)`` (Cover & Thomas, Thm 10.3.1).

``REWARD`` / ``REWARD_PX``: a three-action reward table and its input law for the rate-reward
claims; :func:`two_turn_environment`: a two-turn environment that copies the answer (feedback).
"""

from __future__ import annotations

import itertools

import numpy as np

#: Source law of instance T2.
T2_P = np.array([0.5, 0.3, 0.2])
#: Squared-error distortion of instance T2, ``d(x, y) = (x - y)^2`` on {0, 1, 2}.
T2_D = (np.arange(3)[:, None] - np.arange(3)[None, :]) ** 2.0
#: Binary Hamming distortion.
HAMMING2 = 1.0 - np.eye(2)
#: Reward table ``r(x, y)`` of the rate-reward claims.
REWARD = np.array([[1.0, 0.2, 0.0], [0.1, 0.9, 0.3], [0.4, 0.0, 0.8]])
#: Input law of the rate-reward claims.
REWARD_PX = np.array([0.5, 0.3, 0.2])


def two_turn_environment() -> tuple[list[np.ndarray], np.ndarray]:
    """Two turns, binary ``x`` and ``y``: ``[P(x1), P(x2 | x1, y1)]`` and the reward ``r(x1, y1, x2, y2)``.

    The environment repeats the answer ``y1`` as ``x2`` with probability ``0.7 + 0.1 x1`` (so the
    policy's answers feed back into what it sees); the reward counts correct answers plus 0.2 for
    consistent answers: ``r = [x1 = y1] + [x2 = y2] + 0.2 [y1 = y2]``.
    """
    e0 = np.array([0.5, 0.5])
    e1 = np.zeros((2, 2, 2))
    for x1, y1 in itertools.product(range(2), repeat=2):
        e1[x1, y1, y1] = 0.7 + 0.1 * x1
        e1[x1, y1, 1 - y1] = 0.3 - 0.1 * x1
    r = np.zeros((2, 2, 2, 2))
    for x1, y1, x2, y2 in itertools.product(range(2), repeat=4):
        r[x1, y1, x2, y2] = (x1 == y1) + (x2 == y2) + 0.2 * (y1 == y2)
    return [e0, e1], r
