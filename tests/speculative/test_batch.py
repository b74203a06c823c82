"""Batched acceptance bounds: numpy and array-api-strict, per-row agreement, transforms, files,
and the ``theory speculative bound`` command end to end on a synthetic data set."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import array_api_strict as xps
import numpy as np
import pytest

from theory.cli import main
from theory.speculative import (
    RowReader,
    acceptance_rate,
    acceptance_rate_batch,
    from_logits,
    optimal_acceptance,
    optimal_acceptance_batch,
    save_safetensors,
    synthetic_logits,
)
from theory.speculative.claims.batch import (
    adversarial_rows,
    batch_vs_exact,
    batch_vs_rows,
    extreme_rows,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rows() -> tuple[np.ndarray, np.ndarray]:
    return adversarial_rows(np.random.default_rng(3), 8, 3)


def test_batched_equals_single_pair_functions(rows):
    p, q = rows
    assert batch_vs_rows(p, q, [1, 2, 3, 5]) <= 1e-12


@pytest.mark.parametrize("law", ["iid", "wor", "greedy"])
def test_array_api_strict_gives_the_numpy_values(rows, law):
    p, q = rows
    ks = [1, 2, 3, 4]
    want = optimal_acceptance_batch(p, q, ks, drafts=law)
    got = optimal_acceptance_batch(xps.asarray(p), xps.asarray(q), ks, drafts=law)
    assert type(got).__module__.startswith("array_api_strict")
    assert np.max(np.abs(np.asarray(got) - want)) <= 1e-14


@pytest.mark.parametrize("scheme", ["rrs", "kseq", "greedy", "optimal", "optimal-wor"])
def test_array_api_strict_schemes(rows, scheme):
    p, q = rows
    want = acceptance_rate_batch(scheme, p, q, [1, 3])
    got = acceptance_rate_batch(scheme, xps.asarray(p), xps.asarray(q), [1, 3])
    assert np.max(np.abs(np.asarray(got) - want)) <= 1e-14


def test_shapes_follow_the_inputs(rows):
    p, q = rows
    assert optimal_acceptance_batch(p, q, 2).shape == (p.shape[0],)
    assert optimal_acceptance_batch(p, q, [2, 3]).shape == (p.shape[0], 2)
    one = optimal_acceptance_batch(p[0], q[0], 2)
    assert one.shape == () and abs(float(one) - optimal_acceptance(p[0], q[0], 2)) <= 1e-15
    assert acceptance_rate_batch("rrs", p[0], q[0], [1, 2]).shape == (2,)


def test_near_point_masses_match_exact_rationals():
    # The single-pair K = 2 closed form loses ~3e-2 here (1 - q_x by subtraction); the batched one
    # sums the other tokens directly and agrees with exact rationals.
    p, q = extreme_rows()
    assert batch_vs_exact(p, q, [2, 3, 4]) <= 1e-12
    assert abs(float(optimal_acceptance_batch(p[0], q[0], 2, drafts="wor")) - 0.95) <= 1e-12


def test_negative_control_a_broken_batch_is_caught(rows):
    p, q = rows

    def broken(p, q, ks, *, drafts):  # a prefix formula that forgets the K-th power
        return optimal_acceptance_batch(p, q, [1] * len(ks), drafts=drafts)

    assert batch_vs_rows(p, q, [2, 3], batched=broken) > 1e-3
    ep, eq = extreme_rows()
    assert batch_vs_exact(ep, eq, [3], batched=broken) > 1e-3


def test_k_above_the_draft_support_acts_as_the_support():
    p = np.array([0.2, 0.3, 0.5, 0.0])
    q = np.array([0.5, 0.5, 0.0, 0.0])
    for law in ("wor", "greedy"):
        got = optimal_acceptance_batch(p, q, [2, 3, 6], drafts=law)
        assert np.allclose(got, 0.5, atol=1e-15)  # the draft set is supp q: p(supp q) = 0.5


def test_kseq_k2_closed_form(rows):
    p, q = rows
    beta = np.asarray(acceptance_rate_batch("kseq", p, q, 1))
    # K = 2: rho* = 2 - beta(rho*) and alpha = 2 beta - beta^2 for the beta at rho*; check the
    # single-pair route agrees (its bisection is independent of the batched breakpoint search).
    got = np.asarray(acceptance_rate_batch("kseq", p, q, 2))
    want = np.array([acceptance_rate("kseq", p[i], q[i], 2) for i in range(p.shape[0])])
    assert np.max(np.abs(got - want)) <= 1e-12 and np.all(got >= beta - 1e-15)


def test_from_logits_conventions():
    z = np.array([[2.0, 1.0, 1.0, 0.0, -np.inf], [0.0, 3.0, 3.0, 1.0, 2.0]])
    greedy = from_logits(z, temperature=0)
    assert np.array_equal(greedy, np.array([[1, 0, 0, 0, 0], [0, 1, 0, 0, 0]], dtype=float))
    soft = from_logits(z, temperature=2.0)
    want = np.exp(z / 2 - (z / 2).max(axis=1, keepdims=True))
    assert np.allclose(soft, want / want.sum(axis=1, keepdims=True), atol=1e-15, rtol=0)
    top2 = from_logits(z, top_k=2)  # ties at the 2nd largest are kept: 3 tokens in row 0
    assert list(np.count_nonzero(top2, axis=1)) == [3, 2]
    probs = from_logits(z)
    for p_cut in (0.3, 0.6, 0.9, 0.999):
        nucleus = from_logits(z, top_p=p_cut)
        for i in range(2):
            order = np.argsort(-probs[i], kind="stable")
            cum = np.cumsum(probs[i][order])
            n_keep = int(np.searchsorted(cum, p_cut)) + 1  # smallest prefix with mass >= p
            thr = probs[i][order][n_keep - 1]
            assert set(np.flatnonzero(nucleus[i])) == set(np.flatnonzero(probs[i] >= thr))
        assert np.allclose(nucleus.sum(axis=1), 1.0)
    half = from_logits(np.asarray(z, dtype=np.float16))
    assert half.dtype == np.float64 and np.allclose(half, probs, atol=1e-3)


@pytest.mark.parametrize("bad, match", [
    (np.array([[0.0, np.nan]]), "NaN"), (np.array([[np.inf, 0.0]]), "NaN or \\+inf"),
    (np.array([[-np.inf, -np.inf]]), "all -inf"),
])
def test_from_logits_rejects_bad_rows(bad, match):
    with pytest.raises(ValueError, match=match):
        from_logits(bad)


def test_bad_inputs_name_the_argument():
    p = np.array([[0.5, 0.5]])
    with pytest.raises(ValueError, match="draft: expected the target's shape"):
        optimal_acceptance_batch(p, np.array([[0.2, 0.3, 0.5]]), 2)
    with pytest.raises(ValueError, match="target: row 0 sums"):
        optimal_acceptance_batch(np.array([[0.5, 0.6]]), p, 2)
    with pytest.raises(ValueError, match="draft: row 0 has NaN"):
        optimal_acceptance_batch(p, np.array([[np.nan, 1.0]]), 2)
    with pytest.raises(ValueError, match="k: must be >= 1"):
        optimal_acceptance_batch(p, p, [2, 0])
    with pytest.raises(ValueError, match="rrs-wor"):
        acceptance_rate_batch("rrs-wor", p, p, 2)
    with pytest.raises(ValueError, match="drafts: expected one of"):
        optimal_acceptance_batch(p, p, 2, drafts="tree")


def test_a_library_without_a_needed_function_gets_a_clear_error(monkeypatch):
    import theory.speculative.batch as batch

    monkeypatch.setattr(batch, "NEEDED_FUNCTIONS", batch.NEEDED_FUNCTIONS + ("no_such_function",))
    with pytest.raises(TypeError, match="lacks no_such_function"):
        optimal_acceptance_batch(np.array([0.5, 0.5]), np.array([0.5, 0.5]), 2)


def test_batch_module_imports_without_pot_cvxpy_or_gpu_libraries():
    code = ("import sys; sys.modules['ot'] = None; sys.modules['cvxpy'] = None\n"
            "import theory.speculative.batch as b\n"
            "assert not any(m.split('.')[0] in ('torch', 'cupy', 'jax') for m in sys.modules)\n"
            "print(float(b.optimal_acceptance_batch([0.5, 0.5], [0.9, 0.1], 2)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""}, check=True)
    assert abs(float(out.stdout) - optimal_acceptance([0.5, 0.5], [0.9, 0.1], 2)) <= 1e-15


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> tuple[Path, np.ndarray, np.ndarray]:
    """The package's own test data set (N = 120, V = 300 in CI)."""
    root = tmp_path_factory.mktemp("logits")
    zp, zq = synthetic_logits(120, 300, rng=0)
    np.save(root / "target.npy", zp)
    np.save(root / "draft.npy", zq)
    return root, zp, zq


@pytest.mark.parametrize("fmt", ["npz", "npz-compressed", "safetensors-F16", "safetensors-BF16",
                                 "safetensors-F32", "safetensors-F64"])
def test_row_reader_formats(tmp_path, fmt):
    z = np.random.default_rng(0).standard_normal((7, 5)).astype(np.float32)
    if fmt == "npz":
        np.savez(tmp_path / "a.npz", logits=z, other=z[:1])
        path = tmp_path / "a.npz"
    elif fmt == "npz-compressed":
        np.savez_compressed(tmp_path / "a.npz", z)
        path = tmp_path / "a.npz"
    else:
        code = fmt.split("-")[1]
        arr = {"F16": z.astype(np.float16), "F64": z.astype(np.float64)}.get(code, z)
        path = tmp_path / "a.safetensors"
        save_safetensors(path, arr, bf16=code == "BF16")
    reader = RowReader(path)
    assert reader.shape == (7, 5)
    got = np.vstack([reader.read(0, 3), reader.read(3, 7)])
    tol = {"safetensors-F16": 1e-3, "safetensors-BF16": 1e-2}.get(fmt, 0.0)
    assert got.dtype == np.float64 and np.allclose(got, z, atol=tol * 4, rtol=tol)


def test_command_end_to_end(dataset, tmp_path, capsys):
    root, zp, zq = dataset
    out_json, fig = tmp_path / "b.json", tmp_path / "b.png"
    rc = main(["speculative", "bound", str(root / "target.npy"), str(root / "draft.npy"),
               "--k", "1", "2", "4", "--batch-size", "32", "--json", str(out_json),
               "--figure", str(fig), "--no-progress"])
    assert rc == 0 and fig.stat().st_size > 0
    table = capsys.readouterr().out
    assert "optimal-iid" in table and "kseq" in table
    doc = json.loads(out_json.read_text())
    p, q = from_logits(zp.astype(np.float64)), from_logits(zq.astype(np.float64))
    want = optimal_acceptance_batch(p, q, [1, 2, 4], drafts="wor").mean(axis=0)
    assert np.max(np.abs(np.array(doc["results"]["optimal-wor"]["mean"]) - want)) <= 1e-12
    rrs = doc["results"]["rrs"]
    assert all(0 < r <= 1 + 1e-12 for r in rrs["ratio_to_optimum"])
    assert doc["n_rows"] == 120 and doc["k"] == [1, 2, 4]


def test_command_bad_inputs_exit_2_with_one_line(dataset, tmp_path, capsys):
    root, zp, _ = dataset
    np.save(tmp_path / "short.npy", zp[:10])
    nan = zp.copy()
    nan[5, 3] = np.nan
    np.save(tmp_path / "nan.npy", nan)
    (tmp_path / "empty.npy").write_bytes(b"")
    target = str(root / "target.npy")
    cases = [[target, str(tmp_path / "short.npy")], [target, str(tmp_path / "nan.npy")],
             [target, str(tmp_path / "empty.npy")], [target, str(tmp_path / "missing.npy")],
             [target, target, "--k", "0"], [target, target, "--top-p", "1.5"]]
    for extra in cases:
        rc = main(["speculative", "bound", *extra, "--no-progress"])
        err = capsys.readouterr().err.strip()
        assert rc == 2 and len(err.splitlines()) == 1 and "Traceback" not in err, (extra, err)
    with pytest.raises(SystemExit) as exc:  # an unknown choice: argparse, exit status 2
        main(["speculative", "bound", target, target, "--drafts", "tree"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
