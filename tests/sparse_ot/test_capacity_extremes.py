"""compute_capacity on extreme sizes and factors (issue 15): exact integers, no OverflowError."""

from __future__ import annotations

import pytest

from theory.sparse_ot import compute_capacity


def test_capacity_huge_factor_and_sizes():
    # Before: OverflowError (float infinity, or an int too large for a float).
    assert compute_capacity(10, 3, 1e308) == 10
    assert compute_capacity(10**400, 3, 1.5) == 10**400 // 2
    assert compute_capacity(10, 3, 1e-300) == 4
    assert compute_capacity(100, 8, 1.25) == 16  # ceil(15.625) = 16, a multiple of 4


@pytest.mark.parametrize("bad", [True, 1 + 0j, float("inf"), -1.0])
def test_capacity_factor_rejected(bad):
    with pytest.raises(ValueError, match="capacity_factor"):
        compute_capacity(10, 3, bad)
