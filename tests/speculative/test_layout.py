"""The speculative area's module layout: public names keep importing after the splits, the
reference routes agree with each other, and no module imports a sibling's private name."""

import ast
import importlib
from pathlib import Path

import numpy as np
import pytest

from theory.speculative import reference

AREA = Path(__file__).resolve().parents[2] / "theory" / "speculative"

#: Public names of the split modules before the split (batch.py, draftsets.py, trees.py).
NAMES = {
    "theory.speculative.batch": [
        "BATCH_SCHEMES", "CPU_BLOCK_ELEMS", "DEVICE_BLOCK_ELEMS", "DRAFT_LAWS", "NEEDED_FUNCTIONS",
        "PMF_ATOL", "WOR_BLOCK_ELEMS", "WOR_MAX_STEP", "WOR_MIN_NODES", "acceptance_rate_batch",
        "from_logits", "namespace", "optimal_acceptance_batch",
    ],
    "theory.speculative.draftsets": [
        "MAX_SETS", "MAX_TERMS", "WOR_ENUMERATE_AUTO", "WOR_QUAD_TOL", "DraftSetLaw", "draft_set_law",
        "greedy_top", "outside_mass", "poisson_binomial_head", "wor_all_in", "wor_k2_prefix_all_in",
        "wor_prefix_all_in",
    ],
    "theory.speculative.trees": [
        "CHUNK_ELEMS", "MAX_DEPTH", "MAX_EXACT_ELEMS", "MAX_LAW_CELLS", "MAX_MC_CALLS", "MAX_NODES",
        "EmittedLaw", "TreeResult", "TreeStructure", "chain_tree", "emitted_law", "expected_accepted",
        "kary_tree", "node_rule", "tree_from_children", "tree_structure",
    ],
}


@pytest.mark.parametrize("module", sorted(NAMES))
def test_public_names_of_split_modules_still_import(module):
    mod = importlib.import_module(module)
    missing = [name for name in NAMES[module] if not hasattr(mod, name)]
    assert not missing
    assert set(NAMES[module]) <= set(getattr(mod, "__all__", NAMES[module]))


def test_reference_wor_routes_agree():
    q = np.array([0.4, 0.25, 0.2, 0.1, 0.05])
    for members in ([0, 1, 2], [1, 2, 3, 4], [0, 1, 2, 3]):
        b = np.array(members)
        exact = reference.wor_all_in_rational(q, b, 3)
        assert reference.wor_all_in_enumerate(q, b, 3) == pytest.approx(exact, abs=1e-15)
        assert reference.wor_all_in_quad(q, b, 3) == pytest.approx(exact, abs=1e-10)


def test_no_module_imports_a_private_name_of_a_sibling():
    found = []
    for path in sorted(AREA.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("theory"):
                found += [f"{path.name}: {a.name}" for a in node.names if a.name.startswith("_")]
    assert not found
