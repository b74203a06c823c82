"""Argument validation of the dynamics helpers (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest

from theory.attention_svm import excess_loss, loss_and_gradient, make_head, reference_instance


def test_make_head_validates_d():
    with pytest.raises(ValueError, match="d:"):
        make_head(np.array([1.0, 0.0]), "linear", "2")


def test_excess_loss_validates_v():
    X, Z, Y, v = reference_instance(2)
    with pytest.raises(ValueError, match="v:"):
        excess_loss(X, Z, Y, np.array([np.nan, 0.0]), np.eye(2))
    assert np.isfinite(excess_loss(X, Z, Y, v, np.eye(2)))


def test_loss_and_gradient_names_params():
    X, Z, Y, v = reference_instance(2)
    with pytest.raises(ValueError, match="params"):
        loss_and_gradient(X, Z, Y, np.eye(2) + 0.1j, v=v)
