"""What the child process runs: one public call (valid or malformed) or one bundle of related
calls on generated extreme inputs, with the checks applied in the child (results need not pickle).
"""

from __future__ import annotations

import importlib
import re
import traceback
from typing import Any

from tests.adversarial import bundles
from tests.adversarial.cases import CHECKS
from tests.adversarial.sandbox import Verdict


def names_argument(message: str, param: str) -> bool:
    """Whether an error message names the argument ``param`` (as a word, e.g. ``"p:"``)."""
    return re.search(rf"(^|[^\w.]){re.escape(param)}(\[\d+\])?($|[^\w])", message) is not None


def _call(area: str, name: str, args: tuple, kwargs: dict) -> Any:
    return getattr(importlib.import_module(f"theory.{area}"), name)(*args, **kwargs)


def run(job: tuple) -> Verdict:
    kind = job[0]
    if kind == "bundle":
        _, bundle, data = job
        try:
            n_calls = getattr(bundles, bundle)(*data)
        except AssertionError as exc:
            return ("check_failed", str(exc))
        except Exception as exc:  # noqa: BLE001
            return ("raised", "".join(traceback.format_exception_only(exc)).strip())
        return ("ok", str(n_calls))
    _, area, name, args, kwargs, check, param = job
    try:
        res = _call(area, name, args, kwargs)
        if param is None:
            CHECKS[check](res, args, kwargs)
    except AssertionError as exc:
        return ("check_failed", str(exc))
    except Exception as exc:  # noqa: BLE001
        msg = f"{type(exc).__name__}: {exc}"
        if param is None:
            return ("raised", msg)
        if isinstance(exc, (ValueError, TypeError)) and names_argument(str(exc), param):
            return ("ok", msg)
        return ("wrong_error", msg)
    if param is not None:
        return ("accepted", f"malformed {param!r} accepted; returned {type(res).__name__}")
    return ("ok", "")
