"""Claims and sweeps on a dask.distributed cluster give exactly the serial results.

A ``LocalCluster`` of two worker processes (one thread each) stands in for a real cluster: the
tasks cross a process boundary through the scheduler exactly as they would between machines.
"""

from __future__ import annotations

import importlib
import json
import os

import numpy as np
import pytest

# CI installs the dev extras, which include dask: there a missing dask is an error, not a skip.
distributed = (importlib.import_module("distributed") if os.environ.get("CI") else pytest.importorskip(
    "distributed", reason="dask.distributed is the optional extra 'distributed' (also in dev)"))

from theory import cli  # noqa: E402
from theory._sweep import grid, sweep  # noqa: E402
from theory.claims import AREAS, registry, run  # noqa: E402
from theory.semantic import mutual_information  # noqa: E402

# The first claim of every area that has one: five quick checks from five modules.
CLAIMS = [next(c.id for c in registry().values() if c.area == a) for a in AREAS
          if any(c.area == a for c in registry().values())]


@pytest.fixture(scope="module")
def address():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def _comparable(results):
    return [{k: v for k, v in r.as_dict().items() if k != "seconds"} for r in results]


def test_claims_on_cluster_equal_serial(address):
    serial = run(CLAIMS, fast=True, rng=3)
    remote = run(CLAIMS, fast=True, rng=3, address=address)
    # results come in registry order (which follows the order claims modules were imported)
    assert sorted(r.id for r in remote) == sorted(CLAIMS)
    assert all(r.passed for r in remote), [r.error for r in remote if not r.passed]
    assert _comparable(remote) == _comparable(serial)


def test_cli_scheduler_option(address, tmp_path, capsys):
    out = tmp_path / "remote.json"
    ref = tmp_path / "serial.json"
    assert cli.main(["verify", "--fast", "--no-progress", *CLAIMS[:2], "--json", str(ref)]) == 0
    assert cli.main(["verify", "--fast", "--no-progress", *CLAIMS[:2], "--scheduler", address,
                     "--json", str(out)]) == 0
    strip = [{k: v for k, v in c.items() if k != "seconds"}
             for c in json.loads(out.read_text())["claims"]]
    assert strip == [{k: v for k, v in c.items() if k != "seconds"}
                     for c in json.loads(ref.read_text())["claims"]]
    assert "2 passed, 0 failed" in capsys.readouterr().out


def _random_mi(n: int, rng) -> float:
    """I(X; Y) of a random joint pmf on n x n: a library call on a seeded draw."""
    joint = np.random.default_rng(rng).dirichlet(np.ones(n * n)).reshape(n, n)
    return mutual_information(joint, 0, 1)


def test_sweep_on_cluster_equal_serial(address, monkeypatch):
    tasks = grid(n=[2, 5, 9])
    serial = sweep(_random_mi, tasks, rng=42, seeded=True)
    assert sweep(_random_mi, tasks, rng=42, seeded=True, address=address) == serial
    # The environment variable is how the figure scripts reach a cluster unchanged.
    monkeypatch.setenv("THEORY_SCHEDULER", address)
    assert sweep(_random_mi, tasks, rng=42, seeded=True) == serial
    assert len(set(serial)) == 3


def test_unreachable_scheduler_is_a_clear_error():
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}), pytest.raises(
            ValueError, match="no dask scheduler answered"):
        sweep(_random_mi, [{"n": 2}], address="tcp://127.0.0.1:1", rng=0, seeded=True)
