"""Every public name of every area is either called by the adversarial suite or exempted with a
reason (a new public function fails here until it is added to ``cases.py``)."""

from __future__ import annotations

import importlib
import inspect

import pytest

from tests.adversarial.cases import AREAS, CASES, EXEMPT


@pytest.mark.parametrize("area", AREAS)
def test_every_public_name_is_covered_or_exempt(area):
    module = importlib.import_module(f"theory.{area}")
    public = {f"{area}.{name}" for name in module.__all__}
    missing = sorted(public - set(CASES) - set(EXEMPT))
    assert not missing, f"public names neither covered in cases.py nor exempted: {missing}"
    stale = sorted(k for k in (*CASES, *EXEMPT) if k.startswith(f"{area}.") and k not in public)
    assert not stale, f"entries for names that are no longer public: {stale}"


def test_exemptions_have_reasons_and_are_not_functions():
    for key, reason in EXEMPT.items():
        assert len(reason) > 20, f"{key}: give a reason"
        area, name = key.split(".")
        obj = getattr(importlib.import_module(f"theory.{area}"), name)
        assert inspect.isclass(obj), f"{key} is a function: cover it in cases.py instead"
