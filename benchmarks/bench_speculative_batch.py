"""Benchmark: batched exact acceptance bounds vs a Python loop over the single-pair functions.

1. numpy, one process: ``optimal_acceptance_batch`` (iid) on N = 1,024 rows of V = 32,000 against
   a Python loop over ``optimal_acceptance``, for one K and for K = 1, 2, 4, 8 (one sort serves
   every K); per-row times, ratio, largest difference.
2. (run first) Peak memory of ``theory speculative bound`` on a ~1 GB float32 logits file (N = 8,192,
   V = 32,000; target and draft) with ``--batch-size 256``, measured as the command's maximum
   resident set size (``resource.getrusage`` in a small intermediate process); the files are
   deleted afterwards.
3. GPU rows: CuPy and PyTorch, when importable and a GPU is present (skipped otherwise, with the
   reason printed): N = 2,048, V = 152,064, K = 1, 2, 4, 8, iid and greedy optima, rrs and kseq;
   without replacement at K = 4 on 256 rows. Per-row times against one-core numpy on a
   subset of the rows, and the largest difference from numpy float64 on that subset.

``python benchmarks/bench_speculative_batch.py [--quick] [--no-memory]``;
``python benchmarks/bench_speculative_batch.py --gpu-only`` runs part 3 alone and imports only
numpy, array_api_compat, torch/cupy and ``theory/speculative/batch.py`` (loaded by path, so the
package's other modules, POT and cvxpy are not needed).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def load_batch() -> Any:
    """``theory/speculative/batch.py`` as a standalone module (it imports only array_api_compat)."""
    spec = importlib.util.spec_from_file_location("speculative_batch",
                                                  ROOT / "theory" / "speculative" / "batch.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def softmax_rows(rng: np.random.Generator, n: int, v: int) -> tuple[np.ndarray, np.ndarray]:
    """Target/draft rows of two related softmax models (Gaussian logits, draft = target + noise)."""
    prior = -np.log1p(np.arange(v))
    z = 2.5 * rng.standard_normal((n, v)) + prior
    zq = z + 0.8 * rng.standard_normal((n, v))

    def sm(x: np.ndarray) -> np.ndarray:
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    return sm(z), sm(zq)


def part_loop(quick: bool) -> None:
    from theory.speculative import optimal_acceptance, optimal_acceptance_batch

    n, v = (128, 32_000) if quick else (1_024, 32_000)
    p, q = softmax_rows(np.random.default_rng(0), n, v)
    print(f"1. numpy batched vs Python loop over optimal_acceptance, N = {n}, V = {v} (iid)")
    print(f"{'K':>12} {'loop ms/row':>12} {'batch ms/row':>13} {'ratio':>7} {'max |diff|':>11}")
    for ks in ([2], [1, 2, 4, 8]):
        t0 = time.perf_counter()
        loop = np.array([[optimal_acceptance(p[i], q[i], k) for k in ks] for i in range(n)])
        t_loop = time.perf_counter() - t0
        t0 = time.perf_counter()
        batch = optimal_acceptance_batch(p, q, ks)
        t_batch = time.perf_counter() - t0
        print(f"{','.join(map(str, ks)):>12} {1e3 * t_loop / n:>12.2f} {1e3 * t_batch / n:>13.2f} "
              f"{t_loop / t_batch:>7.1f} {np.max(np.abs(batch - loop)):>11.1e}")


def part_memory(quick: bool) -> None:
    n, v = (1_024, 32_000) if quick else (8_192, 32_000)
    print(f"\n2. peak memory of `theory speculative bound`, float32 logits N = {n}, V = {v}, "
          "--batch-size 256")
    with tempfile.TemporaryDirectory() as tmp:
        paths = [Path(tmp) / "target.npy", Path(tmp) / "draft.npy"]
        rng = np.random.default_rng(1)
        w = rng.standard_normal((16, v))
        e = rng.standard_normal((16, v))
        prior = -np.log1p(np.arange(v))
        files = [np.lib.format.open_memmap(p, mode="w+", dtype=np.float32, shape=(n, v)) for p in paths]
        for lo in range(0, n, 512):
            h = rng.standard_normal((min(512, n - lo), 16))
            files[0][lo:lo + h.shape[0]] = 3 * (h @ w) / 4 + prior
            files[1][lo:lo + h.shape[0]] = 3 * (h @ (w + 0.6 * e)) / (4 * np.sqrt(1.36)) + prior
        for f in files:
            f.flush()
        del files
        size = paths[0].stat().st_size
        cmd = [sys.executable, "-m", "theory", "speculative", "bound", str(paths[0]), str(paths[1]),
               "--batch-size", "256", "--k", "1", "2", "4", "8", "--drafts", "iid", "greedy",
               "--schemes", "rrs", "kseq", "greedy", "--no-progress"]
        # A forked child starts with its parent's resident pages (and ru_maxrss keeps them across
        # exec), so the command is started from a small intermediate interpreter that reports its
        # own children's peak.
        probe = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
                 "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
                 "sys.exit(r.returncode)")
        env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True,
                             env=env, check=False)
        wall = time.perf_counter() - t0
        peak = int(out.stderr.strip().splitlines()[-1]) / 1024 if out.stderr.strip() else float("nan")
    if out.returncode != 0:
        print(f"   command failed ({out.returncode}): {out.stderr.strip()[-300:]}")
        return
    print(f"   file {size / 2**30:.2f} GiB each (target, draft); wall {wall:.1f} s "
          f"({1e3 * wall / n:.2f} ms/row); peak RSS {peak:.0f} MiB (target < 1024 MiB); files deleted")
    print("   " + "\n   ".join(out.stdout.strip().splitlines()))


def _gpu_libraries() -> list[tuple[str, Any, Any]]:
    """(name, to_device, synchronize) for CuPy and PyTorch where usable; prints why not otherwise."""
    libs = []
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            libs.append(("cupy", cupy.asarray, lambda: cupy.cuda.Device().synchronize()))
        else:
            print("   cupy: skipped (no CUDA device)")
    except Exception as exc:  # ImportError, or a CUDA runtime error without a driver
        print(f"   cupy: skipped ({type(exc).__name__}: {str(exc).splitlines()[0][:80]})")
    try:
        import torch

        if torch.cuda.is_available():
            libs.append(("torch", lambda a: torch.as_tensor(a, device="cuda"), torch.cuda.synchronize))
        else:
            print("   torch: skipped (torch.cuda.is_available() is False)")
    except Exception as exc:
        print(f"   torch: skipped ({type(exc).__name__}: {str(exc).splitlines()[0][:80]})")
    return libs


def part_gpu(quick: bool, *, numpy_stand_in: bool = False) -> None:
    batch = load_batch()
    n, v = (64, 152_064) if quick else (2_048, 152_064)
    n_wor, n_ref = (4, 8) if quick else (256, 16)
    ks = [1, 2, 4, 8]
    print(f"\n3. GPU: N = {n}, V = {v}, K = {ks}; wor K = 4 on {n_wor} rows; "
          f"one-core numpy reference on {n_ref} rows")
    libs = _gpu_libraries()
    if numpy_stand_in:
        libs.append(("numpy (stand-in)", np.asarray, lambda: None))
    if not libs:
        return
    p, q = softmax_rows(np.random.default_rng(2), n, v)
    tasks = [("iid", lambda b, pp, qq: b.optimal_acceptance_batch(pp, qq, ks)),
             ("greedy", lambda b, pp, qq: b.optimal_acceptance_batch(pp, qq, ks, drafts="greedy")),
             ("rrs", lambda b, pp, qq: b.acceptance_rate_batch("rrs", pp, qq, ks)),
             ("kseq", lambda b, pp, qq: b.acceptance_rate_batch("kseq", pp, qq, ks)),
             ("wor K=4", lambda b, pp, qq: b.optimal_acceptance_batch(pp, qq, 4, drafts="wor"))]
    ref: dict[str, tuple[float, np.ndarray]] = {}
    for name, fn in tasks:
        rows = 2 if name.startswith("wor") else n_ref
        t0 = time.perf_counter()
        ref[name] = (0.0, np.asarray(fn(batch, p[:rows], q[:rows])))
        ref[name] = ((time.perf_counter() - t0) / rows, ref[name][1])
    print(f"   {'library':<17} {'task':<8} {'rows':>5} {'us/row':>10} {'numpy us/row':>13} "
          f"{'speed-up':>9} {'max |diff|':>11}")
    for lib, to_dev, sync in libs:
        for name, fn in tasks:
            rows = n_wor if name.startswith("wor") else n
            try:
                pd, qd = to_dev(p[:rows]), to_dev(q[:rows])
                fn(batch, pd[:8], qd[:8])  # warm-up (kernels, allocator)
                sync()
                t0 = time.perf_counter()
                out = fn(batch, pd, qd)
                sync()
                per_row = (time.perf_counter() - t0) / rows
                host = np.asarray(out.get() if hasattr(out, "get") else
                                  out.cpu().numpy() if hasattr(out, "cpu") else out)
            except Exception as exc:
                print(f"   {lib:<17} {name:<8} failed: {type(exc).__name__}: {str(exc)[:120]}")
                continue
            t_ref, vals = ref[name]
            diff = float(np.max(np.abs(host[: vals.shape[0]] - vals)))
            print(f"   {lib:<17} {name:<8} {rows:>5} {1e6 * per_row:>10.1f} {1e6 * t_ref:>13.1f} "
                  f"{t_ref / per_row:>9.1f} {diff:>11.1e}")


def main() -> None:
    quick = "--quick" in sys.argv
    if "--gpu-only" in sys.argv:  # nothing but numpy, array_api_compat, cupy/torch and batch.py
        part_gpu(quick, numpy_stand_in="--numpy-stand-in" in sys.argv)
        return
    if "--no-memory" not in sys.argv:  # first, while this process is small
        part_memory(quick)
    part_loop(quick)
    part_gpu(quick, numpy_stand_in="--numpy-stand-in" in sys.argv)


if __name__ == "__main__":
    main()
