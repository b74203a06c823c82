"""Adversarial suite configuration: the per-area sandboxes and the list of open defects (xfail)."""

from __future__ import annotations

import json
import os

import pytest

from tests.adversarial.sandbox import CALLS, close_all

#: Open defects found by this suite in code outside its reach, xfail (not strict) with the reason.
#: Empty: the branches that fixed the earlier entries are merged and every case now passes.
OPEN_ELSEWHERE: dict[str, str] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.name in OPEN_ELSEWHERE:
            item.add_marker(pytest.mark.xfail(reason=f"open: {OPEN_ELSEWHERE[item.name]}", strict=False))


@pytest.fixture(scope="session", autouse=True)
def _close_sandboxes():
    yield
    close_all()
    out = os.environ.get("THEORY_ADVERSARIAL_COUNTS")
    if out:  # per-area call counts of this test process, for the report
        with open(f"{out}.{os.getpid()}.json", "w") as fh:
            json.dump(CALLS, fh)
