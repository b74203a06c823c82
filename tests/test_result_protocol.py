"""Every result type of an area follows :class:`theory._result.SolverResult`; old names still work.

``RESULT_TYPES`` lists the result types per area: an area joins by adding its list (a type missing
from the list but deriving from ``SolverResult`` is found by the discovery test as well).
"""

from __future__ import annotations

import dataclasses
import importlib
import math
from collections.abc import Mapping

import numpy as np
import pytest

from theory._result import SolverResult

RESULT_TYPES: dict[str, list[str]] = {
    "speculative": ["DraftSetLaw", "EmittedLaw", "KSeqRho", "LosslessResult", "OptimalAcceptanceResult",
                    "SchemeLaw", "SimulationResult", "TreeChoice", "TreeResult"],
    "tokenization": ["LossResult", "RenewalChain", "TokenRates", "BPETraining"],
}


def _type(area: str, name: str) -> type:
    module = importlib.import_module(f"theory.{area}")
    if hasattr(module, name):
        return getattr(module, name)
    return getattr(importlib.import_module(f"theory.{area}.reference"), name)


CASES = [(area, name) for area, names in RESULT_TYPES.items() for name in names]


@pytest.mark.parametrize(("area", "name"), CASES)
def test_result_type_follows_protocol(area, name):
    cls = _type(area, name)
    assert issubclass(cls, SolverResult) and dataclasses.is_dataclass(cls)
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    assert params.frozen
    core = {f.name: f for f in dataclasses.fields(cls) if f.name in
            ("value", "status", "converged", "n_iter", "diagnostics")}
    assert set(core) == {"value", "status", "converged", "n_iter", "diagnostics"}
    assert all(f.kw_only for f in core.values())
    doc = cls.__doc__ or ""
    assert "status" in doc and "value" in doc, f"{name}: document value and the status vocabulary"


@pytest.mark.parametrize("area", sorted(RESULT_TYPES))
def test_every_exported_result_type_is_listed(area):
    module = importlib.import_module(f"theory.{area}")
    exported = {n for n in module.__all__ if isinstance(getattr(module, n), type)
                and issubclass(getattr(module, n), SolverResult)}
    assert exported <= set(RESULT_TYPES[area])


def _check_instance(res: SolverResult, statuses: set[str]) -> None:
    assert isinstance(res, SolverResult)
    assert res.status in statuses and res.status.replace("_", "").isalpha() and res.status.islower()
    assert isinstance(res.converged, bool) and isinstance(res.n_iter, int) and res.n_iter >= 0
    assert isinstance(res.diagnostics, Mapping)
    with pytest.raises(TypeError):
        res.diagnostics["x"] = 1.0  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.value = 0.0  # type: ignore[misc]


P3, Q3 = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5])


def test_speculative_results_and_old_names():
    from theory import speculative as sp

    lp = sp.optimal_acceptance_lp(P3, Q3, 2)
    _check_instance(lp, {"optimal", "uncertified", "failed"})
    assert lp.iterations == lp.n_iter and lp.converged
    assert abs(lp.value - sp.optimal_acceptance(P3, Q3, 2)) < 1e-7

    sim = sp.simulate("rrs", P3, Q3, 2, n=2000, rng=0)
    _check_instance(sim, {"monte_carlo"})
    assert sim.acceptance == sim.value and sim.n == sim.n_iter == 2000 and sim.counts.sum() == 2000
    assert sim.diagnostics["pvalue"] == sim.pvalue

    law = sp.exact_scheme("rrs", P3, Q3, 2)
    _check_instance(law, {"exact"})
    assert law.acceptance == law.value == sp.acceptance_rate("rrs", P3, Q3, 2)

    sets = sp.draft_set_law(Q3, 2)
    _check_instance(sets, {"exact"})
    assert abs(sets.value - 1.0) < 1e-12 and abs(sum(sets.as_dict().values()) - 1.0) < 1e-12

    ks = sp.kseq_rho(P3, Q3, 2)
    _check_instance(ks, {"bisection", "boundary"})
    rho, beta = ks  # the old tuple return still unpacks
    assert rho == ks.rho == ks.value == ks[0] and beta == ks.beta == ks[1] and len(ks) == 2

    choice = sp.sequoia_tree([0.6, 0.2], 4)
    _check_instance(choice, {"optimal"})
    tree, value = choice
    assert tree == choice.tree and value == choice.value == sp.tree_value(tree, [0.6, 0.2])

    pair = sp.random_markov_pair(2, 1, 0)
    emitted = sp.emitted_law(pair[0], pair[1], sp.chain_tree(2), scheme="rrs")
    _check_instance(emitted, {"lossless", "lossy"})
    assert emitted.tv == emitted.value < 1e-9 and emitted.status == "lossless"


def test_tokenization_results_and_old_names():
    from theory import tokenization as tk
    from theory.tokenization.reference import bpe_train

    src = tk.MarkovSource.switching(1, 0.2, 0.3)
    tok = tk.GreedyTokenizer([[0, 0], [0, 1], [1, 0], [1, 1]])
    loss = tk.unigram_loss(src, tok)
    _check_instance(loss, {"exact", "mc", "fallback_mc", "state_limit"})
    assert loss.converged and loss.stderr == 0.0 and math.isclose(loss.mean_token_length, 2.0)
    chain = tk.renewal_chain(src, tok)
    _check_instance(chain, {"exact"})
    assert chain.mean_length == chain.value and math.isclose(chain.value, 2.0)
    rates = tk.token_rates_exact(src, tok)
    assert rates is not None
    _check_instance(rates, {"exact"})
    assert math.isclose(rates.value, 0.5) and math.isclose(float(rates.tokens.sum()), rates.value)

    training = bpe_train([0, 1, 1, 0, 0, 1], 1)
    _check_instance(training, {"exact"})
    merges, counts = training  # the old tuple return still unpacks
    assert merges == training.merges and counts == training.counts
