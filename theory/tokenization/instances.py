"""Reference instances of the tokenization area with their exact answers.

Switching sources ``sw(k; p, q)`` (:meth:`MarkovSource.switching`), dictionaries and the values
the claims check them against (natural logarithms, nats per character). The values were computed
once by the exact routes and cross-checked by a second route (closed form, enumeration of strings
or Monte Carlo) in the claims that use them.
"""

from __future__ import annotations

from theory.tokenization.sources import MarkovSource
from theory.tokenization.tokenizers import Token

#: D1, a greedy dictionary that is not prefix-free and whose unigram loss exceeds H(pi).
D1: list[Token] = [(0,), (1,), (0, 0), (1, 1), (0, 1, 0), (1, 0, 1)]

#: I1, I2: ``((p, q), pi_0, H_inf, H(pi))`` of ``sw(k; p, q)``, the same for every k.
SWITCHING_VALUES: tuple[tuple[tuple[float, float], float, float, float], ...] = (
    ((0.2, 0.3), 0.6, 0.5445871749448701, 0.6730116670092565),
    ((0.5, 0.8), 8 / 13, 0.6190145817054231, 0.666278442414676),
)

#: Parameters ``(k, p, q)`` of the symmetric source sw(2; 0.8, 0.8) (I4, I5) and its H_inf.
SYMMETRIC = (2, 0.8, 0.8)
SYMMETRIC_H_INF = 0.500402423538
#: H_inf of sw(3; 0.1, 0.1).
SW3_H_INF = 0.325082973391

#: Unigram barrier on sw(2; d, d) with D = alphabet: ``(d, L1 / H_inf = ln 2 / h(d))``.
BARRIER_RATIOS: tuple[tuple[float, float], ...] = (
    (0.1, 2.132216194926), (0.01, 12.377289096543), (0.001, 87.659645568749),
)

#: I4: unigram loss of the fixed-length dictionary (strings of length <= r) on sw(2; 0.8, 0.8).
FIXED_LENGTH_LOSSES: tuple[tuple[int, float], ...] = (
    (2, 0.693147180560), (3, 0.628898928219), (4, 0.596774802049),
)

#: I7: heavy-hitter dictionary of sw(2; 0.1, 0.1) with beta = 0.05: source parameters, beta and
#: ``(L1, |D|, lbar, beta_max, H_inf log|D| / log(1/beta_max))``.
HEAVY_HITTER = ((2, 0.1, 0.1), 0.05)
HEAVY_HITTER_VALUES = (0.383686545533, 172, 12.561152630, 0.1 * 0.9 ** 7, 0.550428611)

#: Greedy D1 on sw(2; 0.8, 0.8): ``(L1, tokens per char r, states of the joint chain)``.
CAN_HURT_VALUES = (0.768249799586, 37 / 68, 10)


def symmetric_source() -> MarkovSource:
    """Return the source sw(2; 0.8, 0.8) of instances I4 and I5."""
    return MarkovSource.switching(*SYMMETRIC)
