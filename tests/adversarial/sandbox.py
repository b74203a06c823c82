"""A long-lived child process per area that runs one call at a time under a memory and time limit.

The parent sends a job (a picklable tuple naming the function and its inputs); the child runs it
with ``RLIMIT_AS`` set a fixed headroom above its size at start, applies the case's checker to the
result and answers with a small verdict tuple. A call that runs past its time limit is killed with
its process; a process that dies (segfault, abort) is reported as a crash. Either way the next
call gets a fresh child (forked from the test process, so imports are already paid for).
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import traceback
import warnings
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

#: Address space each child may add to what it inherits (bytes).
MEMORY_HEADROOM = 2 * 1024**3

Verdict = tuple[str, str]  # (kind, detail): kind in ok / check_failed / raised / timeout / crash


def _vm_size() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _serve(conn: Connection, runner: Callable[[Any], Verdict]) -> None:
    limit = _vm_size() + MEMORY_HEADROOM
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    warnings.simplefilter("ignore")  # warnings are not failures here; results are checked
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        try:
            verdict = runner(job)
        except MemoryError:
            verdict = ("memory", "MemoryError: the call exceeded its address-space limit")
        except BaseException as exc:  # noqa: BLE001 - every failure is reported to the parent
            verdict = ("harness_error", "".join(traceback.format_exception_only(exc)).strip())
        conn.send(verdict)


class Sandbox:
    """One child process; :meth:`call` runs ``runner(job)`` there with a wall-clock limit."""

    def __init__(self, runner: Callable[[Any], Verdict]) -> None:
        self._runner = runner
        self._proc: Any = None
        self._conn: Connection | None = None
        self.calls = 0
        self.restarts = 0

    def _start(self) -> None:
        ctx = mp.get_context("fork")
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, self._runner), daemon=True)
        self._proc.start()
        child.close()
        self._conn = parent

    def _stop(self) -> None:
        if self._proc is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(5)
        if self._conn is not None:
            self._conn.close()
        self._proc, self._conn = None, None
        self.restarts += 1

    def call(self, job: Any, timeout: float) -> Verdict:
        if self._proc is None or not self._proc.is_alive():
            self._start()
        assert self._conn is not None
        self.calls += 1
        self._conn.send(job)
        if not self._conn.poll(timeout):
            self._stop()
            return ("timeout", f"no answer within {timeout:g} s; the child was killed")
        try:
            return self._conn.recv()
        except (EOFError, ConnectionResetError):
            code = self._proc.exitcode if self._proc is not None else None
            self._stop()
            return ("crash", f"the child process died (exit code {code})")

    def close(self) -> None:
        if self._proc is not None:
            self._stop()


_POOL: dict[str, Sandbox] = {}
#: Public-function calls made per area in this test process (a bundle counts its inner calls).
CALLS: dict[str, int] = {}


def count(area: str, n: int) -> None:
    CALLS[area] = CALLS.get(area, 0) + n


def sandbox(area: str, runner: Callable[[Any], Verdict]) -> Sandbox:
    """The (lazily started) sandbox of an area in this test process."""
    if area not in _POOL:
        _POOL[area] = Sandbox(runner)
    return _POOL[area]


def close_all() -> None:
    for box in _POOL.values():
        box.close()
    _POOL.clear()
