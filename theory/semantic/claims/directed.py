"""Directed information, transfer entropy and Granger causality claims."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
from scipy.special import xlogy

from theory.claims import Measurement, claim
from theory.semantic.info import (
    causal_conditioning,
    directed_information,
    feedback_information,
    gaussian_conditional_mi,
    gaussian_transfer_entropy,
    mutual_information,
    transfer_entropy,
    var1_stacked_covariance,
)
from theory.semantic.rate_distortion import (
    LN2,
    h2,
)


def _feedback_joint(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random binary joint over (X_1..X_n, Y_1..Y_n): X_i | X^{i-1}, Y^{i-1}; Y_i | X^i, Y^{i-1}."""
    J = rng.dirichlet(np.ones(2))                       # x1
    axes_x, axes_y = [0], []
    J = J[:, None] * rng.dirichlet(np.ones(2), size=2)  # y1 | x1   -> (x1, y1)
    axes_y.append(1)
    for _ in range(1, n):
        J = J[..., None] * rng.dirichlet(np.ones(2), size=J.shape)    # x_i | past
        axes_x.append(J.ndim - 1)
        J = J[..., None] * rng.dirichlet(np.ones(2), size=J.shape)    # y_i | past, x_i
        axes_y.append(J.ndim - 1)
    # reorder the interleaved axes to (x_1..x_n, y_1..y_n)
    return np.transpose(J, axes_x + axes_y)


def _feedback_joints(rng: np.random.Generator, fast: bool
                     ) -> Iterator[tuple[np.ndarray, list[int], list[int]]]:
    """Yield 3 (fast) or 30 random feedback joints of 2..3 (fast) or 2..4 steps, with their X and Y axes."""
    for _ in range(3 if fast else 30):
        n = int(rng.integers(2, 4 if fast else 5))
        yield _feedback_joint(rng, n), list(range(n)), list(range(n, 2 * n))


@claim("semantic.di-conservation", source="massey1990causality; massey2005conservation",
       statement="DI chain rule = KL form E log P(Y||X)/P(Y); I(X;Y) = I(X->Y) + I(0*Y->X); I(X->Y) <="
                 " I(X;Y)")
def _di_cons(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    for J, x, y in _feedback_joints(rng, fast):
        n = len(x)
        di = directed_information(J, x, y)
        fb = feedback_information(J, x, y)
        mi = mutual_information(J, x, y)
        PYX = causal_conditioning(J, x, y)
        PY = J.sum(axis=tuple(x))[(None,) * n]
        kl_form = float(np.sum(xlogy(J, np.divide(PYX, PY, out=np.ones_like(J), where=J > 0))) / LN2)
        worst = max(worst, abs(mi - di - fb), abs(di - kl_form), di - mi)
    return Measurement(worst, 1e-12, {"n_max": 3 if fast else 4})


@claim("semantic.di-te-decomposition", source="amblard2011directed",
       statement="I(X->Y) + I(Y->X) = I(X;Y) + sum I(X_i;Y_i|X^{i-1},Y^{i-1}); DI = TE-sum + instantaneous")
def _di_te(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    for J, x, y in _feedback_joints(rng, fast):
        n = len(x)
        di = directed_information(J, x, y)
        di_rev = directed_information(J, y, x)   # Massey I(Y^n -> X^n) = sum I(Y^i; X_i | X^{i-1})
        mi = mutual_information(J, x, y)
        inst = sum(mutual_information(J, [x[i]], [y[i]], x[:i] + y[:i]) for i in range(n))
        te = sum(mutual_information(J, x[:i], [y[i]], y[:i]) for i in range(1, n))
        worst = max(worst, abs(di + di_rev - mi - inst), abs(di - te - inst))
    return Measurement(worst, 1e-12, {})


def _delayed_copy(n: int, eps: float) -> np.ndarray:
    """Joint over (X_1..X_n, Y_1..Y_n): X i.i.d. Bern(1/2), Y_t = X_{t-1} xor Bern(eps), X_0 external."""
    J = np.zeros((2,) * (2 * n))
    for xs in itertools.product(range(2), repeat=n + 1):          # x_0..x_n
        for ys in itertools.product(range(2), repeat=n):
            pr = 0.5 ** (n + 1)
            for t in range(n):
                pr *= (1 - eps) if ys[t] == xs[t] else eps
            J[xs[1:] + ys] += pr
    return J


@claim("semantic.delayed-noisy-copy", source="derived, theory.semantic.info (directed information of a"
                                              " delayed copy)",
       statement="Y_t = X_{t-1} xor Bern(eps): I(X->Y) = I(X;Y) = (n-1)(1-h(eps)), I(Y->X) = 0, TE ="
                 " 1-h(eps)")
def _delayed(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    for eps in ([0.1] if fast else [0.05, 0.1, 0.25, 0.4]):
        for n in ([2, 3] if fast else [2, 3, 4]):
            J = _delayed_copy(n, eps)
            x, y = list(range(n)), list(range(n, 2 * n))
            target = (n - 1) * (1 - h2(eps))
            worst = max(worst, abs(directed_information(J, x, y) - target),
                        abs(mutual_information(J, x, y) - target), abs(directed_information(J, y, x)))
        T = np.zeros((2, 2, 2, 2))
        for xx, yy, x2, y2 in itertools.product(range(2), repeat=4):
            T[xx, yy, x2, y2] = 0.5 * ((1 - eps) if y2 == xx else eps)
        worst = max(worst, abs(transfer_entropy(T) - (1 - h2(eps))),
                    abs(transfer_entropy(T.transpose(1, 0, 3, 2))))
    return Measurement(worst, 1e-12, {})


@claim("semantic.gaussian-te-granger", source="barnett2009granger",
       statement="Gaussian VAR(1): TE (log-det conditional MI) = GC/2 (Schur residuals); TE_{Y->X} = 0 if X"
                 " autonomous")
def _gauss_te(fast: bool, rng: np.random.Generator) -> Measurement:
    worst = 0.0
    for _ in range(3 if fast else 30):
        A = rng.normal(size=(2, 2))
        A[0, 1] = 0.0                                              # X = coordinate 0 is autonomous
        A *= 0.9 / max(np.max(np.abs(np.linalg.eigvals(A))), 1e-9) * rng.uniform(0.3, 1.0)
        L = rng.normal(size=(2, 2))
        S = L @ L.T + 0.1 * np.eye(2)
        for k, l in ((1, 1), (2, 1), (2, 2)):
            g = gaussian_transfer_entropy(A, S, source=[0], target=[1], k=k, l=l)
            C = var1_stacked_covariance(A, S, max(k, l))
            now, yp = [1], [2 * j + 1 for j in range(1, k + 1)]
            xp = [2 * j for j in range(1, l + 1)]
            te_mi = gaussian_conditional_mi(C, now, xp, yp)
            worst = max(worst, abs(g.te_nats - te_mi), abs(g.te_nats - g.gc / 2))
            back = gaussian_transfer_entropy(A, S, source=[1], target=[0], k=k, l=l)
            worst = max(worst, abs(back.te_nats))
        # VAR(1) with the full past: the residual is the innovation, so GC = ln(s2(Y|Y past) / S_yy)
        C = var1_stacked_covariance(A, S, 1)
        ry = C[1, 1] - C[1, 3] ** 2 / C[3, 3]
        gc = gaussian_transfer_entropy(A, S, source=[0], target=[1]).gc
        worst = max(worst, abs(gc - np.log(ry / S[1, 1])))
    return Measurement(worst, 1e-12, {})
