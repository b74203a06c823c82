"""The sandbox itself can fail: a crash, a hang and a memory blow-up in the child are reported as
such, and the next call gets a fresh child."""

from __future__ import annotations

import os
import signal
import time

import numpy as np

from tests.adversarial.sandbox import MEMORY_HEADROOM, Sandbox


def _misbehave(job: str) -> tuple[str, str]:
    if job == "crash":
        os.kill(os.getpid(), signal.SIGKILL)  # dies like a segfault, without a core dump
    if job == "hang":
        time.sleep(60)
    if job == "memory":
        np.ones(2 * MEMORY_HEADROOM // 8)  # twice the allowed headroom
    return ("ok", job)


def test_sandbox_reports_crash_hang_and_memory_then_recovers():
    box = Sandbox(_misbehave)
    try:
        assert box.call("crash", 20)[0] == "crash"
        assert box.call("hang", 1)[0] == "timeout"
        assert box.call("memory", 20)[0] == "memory"
        assert box.call("fine", 20) == ("ok", "fine")
        assert box.restarts == 2  # after the crash and the hang; MemoryError keeps the child
    finally:
        box.close()
