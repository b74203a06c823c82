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
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from theory._rng import RngLike, spawn


def grid(**axes: Iterable[Any]) -> list[dict[str, Any]]:
    """Return the Cartesian product of named axes as a list of keyword dicts (last axis fastest)."""
    names = list(axes)
    return [dict(zip(names, values)) for values in itertools.product(*(list(axes[n]) for n in names))]


def sweep(fn: Callable[..., Any], tasks: Sequence[Mapping[str, Any]], *, rng: RngLike = None,
          seeded: bool = False, jobs: int = 1, address: str | None = None,
          progress: bool = False, desc: str | None = None,
          label: Callable[[Any], str] | None = None) -> list[Any]:
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
        Report progress on stderr: a tqdm bar when stderr is a terminal, otherwise (a log, a
        pipe) one line per finished task, ``[i/n] desc label (elapsed s)``.
    label
        Describes a finished task from its result (e.g. a claim id and its seconds); shown
        after the bar and in each log line.
    """
    calls = [dict(t) for t in tasks]
    if seeded:
        for task, child in zip(calls, spawn(rng, len(calls))):
            task["rng"] = child
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs == 0 or jobs < -1:
        raise ValueError(f"jobs: must be a positive integer or -1 (all cores), got {jobs!r}")
    if address is None:
        address = os.environ.get("THEORY_SCHEDULER") or None
    if address is not None:
        return _dask_map(fn, calls, address)
    if jobs == 1 or len(calls) <= 1:
        results: Iterable[Any] = (fn(**t) for t in calls)
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=jobs, return_as="generator")(delayed(fn)(**t) for t in calls)
    if not progress:
        return list(results)
    return list(_progress(results, len(calls), desc or "tasks", label))


def _progress(results: Iterable[Any], total: int, desc: str,
              label: Callable[[Any], str] | None) -> Iterator[Any]:
    """Pass results through, reporting each on stderr (a bar on a terminal, else a log line)."""
    t0 = time.perf_counter()
    if sys.stderr.isatty():
        from tqdm.auto import tqdm

        bar = tqdm(total=total, desc=desc, leave=False)
        for r in results:
            if label is not None:
                bar.set_postfix_str(label(r), refresh=False)
            bar.update()
            yield r
        bar.close()
        return
    width = len(str(total))
    for i, r in enumerate(results, 1):
        what = f" {label(r)}" if label is not None else ""
        print(f"[{i:>{width}}/{total}] {desc}{what} ({time.perf_counter() - t0:.0f} s elapsed)",
              file=sys.stderr, flush=True)
        yield r


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
