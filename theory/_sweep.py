"""Map a function over a parameter grid: serially, with joblib, or on a dask cluster.

The result never depends on the backend or on the number of workers: tasks are evaluated
independently, results come back in task order, and when a seed is given each task receives
its own child seed (``rng=`` keyword) spawned from it by position (:func:`theory._rng.spawn`).

A dask cluster is chosen per call (``address=``) or for a whole run through the environment
variable ``THEORY_SCHEDULER`` (e.g. ``THEORY_SCHEDULER=tcp://10.0.0.5:8786 make figures``), so
the figure scripts reach a cluster without changing their code.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from theory._rng import RngLike, spawn


def grid(**axes: Iterable[Any]) -> list[dict[str, Any]]:
    """The Cartesian product of named axes as a list of keyword dicts (last axis fastest)."""
    names = list(axes)
    return [dict(zip(names, values)) for values in itertools.product(*(list(axes[n]) for n in names))]


def sweep(fn: Callable[..., Any], tasks: Sequence[Mapping[str, Any]], *, rng: RngLike = None,
          seeded: bool = False, jobs: int = 1, address: str | None = None,
          progress: bool = False, desc: str | None = None) -> list[Any]:
    """Evaluate ``fn(**task)`` for every task and return the results in task order.

    Parameters
    ----------
    fn
        A picklable (module-level) function.
    tasks
        Keyword dicts, one per task (see :func:`grid`).
    rng, seeded
        With ``seeded=True`` task ``i`` is called with the extra keyword ``rng=child_i``, the
        ``i``-th child seed spawned from ``rng``; the same children whatever the backend.
    jobs
        ``1``: serial; ``> 1`` or ``-1``: joblib worker processes (loky).
    address
        A ``dask.distributed`` scheduler address such as ``tcp://host:8786`` (needs the
        ``distributed`` extra); overrides ``jobs``. Default: ``$THEORY_SCHEDULER`` when set,
        else no cluster. Workers must be able to import ``fn`` (install the package on them).
    progress
        Show a tqdm progress bar on stderr when stderr is a terminal.
    """
    calls = [dict(t) for t in tasks]
    if seeded:
        for task, child in zip(calls, spawn(rng, len(calls))):
            task["rng"] = child
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs == 0 or jobs < -1:
        raise ValueError(f"jobs: must be a positive integer or -1 (all cores), got {jobs!r}")
    show = progress and sys.stderr.isatty()
    if address is None:
        address = os.environ.get("THEORY_SCHEDULER") or None
    if address is not None:
        return _dask_map(fn, calls, address)
    if jobs == 1 or len(calls) <= 1:
        from tqdm.auto import tqdm

        return [fn(**t) for t in tqdm(calls, desc=desc, disable=not show, leave=False)]
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=jobs, return_as="generator")
    results = parallel(delayed(fn)(**t) for t in calls)
    if show:
        from tqdm.auto import tqdm

        results = tqdm(results, total=len(calls), desc=desc, leave=False)
    return list(results)


def _dask_map(fn: Callable[..., Any], calls: list[dict[str, Any]], address: str) -> list[Any]:
    try:
        from dask.distributed import Client
    except ImportError as exc:  # pragma: no cover - optional extra
        raise ValueError(
            "address: a dask cluster needs the optional extra: pip install 'theory[distributed]'"
        ) from exc
    try:
        client = Client(address)
    except OSError as exc:
        raise ValueError(f"address: no dask scheduler answered at {address!r} ({exc}); start one with "
                         "`dask scheduler` or pass the address it prints") from exc
    with client:
        futures = [client.submit(fn, pure=False, **t) for t in calls]
        return list(client.gather(futures))
