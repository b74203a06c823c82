"""Boundary validation of the exported Blahut-Arimoto iteration (issues 14 and 15)."""

from __future__ import annotations

import numpy as np
import pytest

from theory.semantic import blahut_arimoto, rate_distortion


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [({"p": [0.9, 0.9]}, "p"), ({"p": [0.5, 0.5 + 0.1j]}, "p"), ({"d": [[0, -1], [1, 0]]}, "d"),
     ({"d": [[0, 1]]}, "d"), ({"beta": -1.0}, "beta"), ({"beta": np.inf}, "beta"),
     ({"beta": True}, "beta"), ({"q0": [0.2, 0.2]}, "q0"), ({"tol": 0.0}, "tol"),
     ({"max_iter": 0}, "max_iter"), ({"kernel": np.zeros((2, 2))}, "kernel")],
)
def test_blahut_arimoto_validates_at_the_boundary(kwargs, name):
    # Before: p = [0.9, 0.9] returned a mutual information of -0.468 with converged=True.
    args = {"p": [0.5, 0.5], "d": 1 - np.eye(2), "beta": 1.0, **kwargs}
    p, d, beta = args.pop("p"), args.pop("d"), args.pop("beta")
    with pytest.raises(ValueError, match=name):
        blahut_arimoto(p, d, beta, **args)


def test_blahut_arimoto_agrees_with_the_closed_form():
    # Binary source, Hamming distortion: R(D) = ln 2 - h(D) in nats at slope beta.
    st = blahut_arimoto([0.5, 0.5], 1 - np.eye(2), 2.0)
    dist = 1 / (1 + np.exp(2.0))
    assert st.converged and st.upper >= 0
    assert st.distortion == pytest.approx(dist, abs=1e-9)
    h = -dist * np.log(dist) - (1 - dist) * np.log(1 - dist)
    assert st.upper == pytest.approx(np.log(2) - h, abs=1e-9)
    assert rate_distortion([0.5, 0.5], 1 - np.eye(2), beta=2.0).rate == pytest.approx(
        (np.log(2) - h) / np.log(2), abs=1e-8)


@pytest.mark.parametrize(("call", "name"), [
    (lambda: __import__("theory.semantic", fromlist=["x"]).bsms_nrdf("0.2", 0.1), "p"),
    (lambda: __import__("theory.semantic", fromlist=["x"]).bsms_nrdf(0.2, 0.7), "D"),
    (lambda: __import__("theory.semantic", fromlist=["x"]).dsbs(float("nan")), "delta"),
    (lambda: __import__("theory.semantic", fromlist=["x"]).gerber_bound(0.1, 1.5), "i_xt"),
    (lambda: __import__("theory.semantic", fromlist=["x"]).ib_dsbs(0.1, [0.2, np.nan]), "a"),
    (lambda: __import__("theory.semantic", fromlist=["x"]).markov_source([0.5, 0.5], np.eye(2), 2.5), "n"),
    (lambda: __import__("theory.semantic", fromlist=["x"]).mutual_information(np.full((2, 2), 0.25), [0.5],
                                                                              [1]), "a_axes"),
])
def test_scalar_and_axis_arguments_are_validated(call, name):
    # Before: TypeError from arithmetic on text, NaN results, or 2.5 silently truncated to 2.
    with pytest.raises(ValueError, match=name):
        call()


def test_flow_and_joint_refuse_sizes_beyond_their_limits():
    from theory.semantic import markov_source, sample_flow_paths, semantic_flow, semantic_joint

    rng = np.random.default_rng(3)
    prior, init, T = rng.dirichlet(np.ones(2)), rng.dirichlet(np.ones(2), size=2), \
        rng.dirichlet(np.ones(2), size=(2, 2))
    with pytest.raises(ValueError, match="steps"):
        semantic_flow(prior, init, T, 10**9)  # before: ran for hours (21 s at 200 steps)
    with pytest.raises(ValueError, match="steps"):
        semantic_joint(prior, init, T, 10**9)
    with pytest.raises(ValueError, match="n_paths"):
        sample_flow_paths(prior, init, T, 10**5, 10**5, rng=0)
    with pytest.raises(ValueError, match="n"):
        markov_source([0.5, 0.5], np.full((2, 2), 0.5), 10**9)
