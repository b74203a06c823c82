"""The claims registry and the ``theory`` command line."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from theory import claims as reg
from theory.cli import main


def test_registry_well_formed():
    """Ids carry their area; sources and statements are filled in."""
    assert reg.registry(), "no claims registered"
    for c in reg.registry().values():
        assert c.area in reg.AREAS and c.id.startswith(c.area + ".")
        assert c.source and c.statement


def test_measurement_directions():
    assert reg.Measurement(1e-13, 1e-12).passed
    assert not reg.Measurement(1e-11, 1e-12).passed
    assert reg.Measurement(0.99, 0.95, direction=">=").passed
    assert not reg.Measurement(0.90, 0.95, direction=">=").passed
    assert not reg.Measurement(float("nan"), 1.0).passed
    assert not reg.Measurement(float("inf"), 1.0, direction=">=").passed


def test_bad_registration():
    with pytest.raises(ValueError, match="claim_id"):
        reg.claim("nosuch.area", source="s", statement="t")
    with pytest.raises(ValueError, match="claim_id"):
        reg.claim("speculative", source="s", statement="t")
    with pytest.raises(ValueError, match="one non-empty line"):
        reg.claim("speculative.x", source="s", statement="a\nb")


def test_crashing_or_wrong_check_is_a_failure(monkeypatch):
    def boom(fast: bool, rng: np.random.Generator) -> reg.Measurement:
        raise RuntimeError("broken route")

    c = reg.Claim("speculative.boom", "speculative", "s", "t", boom)
    res = reg.run_claim(c, fast=True)
    assert not res.passed and "broken route" in (res.error or "")
    c2 = reg.Claim("speculative.bad", "speculative", "s", "t", lambda fast, rng: 0.0)  # type: ignore
    assert not reg.run_claim(c2, fast=True).passed


def test_seed_depends_on_claim_not_selection():
    c = reg.registry()["speculative.single-draft-coupling"]
    alone = reg.run(["speculative.single-draft-coupling"], fast=True, rng=3)[0]
    again = reg.run_claim(c, fast=True, seed=3)
    assert alone.measured == again.measured and alone.passed


def test_unknown_names_get_a_short_suggestion(capsys):
    with pytest.raises(ValueError, match="Did you mean speculative.single-draft-coupling"):
        reg.select(["speculative.single_draft_coupling"])
    assert main(["verify", "single-draft-coupling"]) == 2
    err = capsys.readouterr().err
    assert "Did you mean speculative.single-draft-coupling" in err and "theory list" in err
    assert len(err) < 400, err
    assert main(["list", "nosuch"]) == 2
    assert len(capsys.readouterr().err) < 400


def test_verify_writes_json_markdown_latex(tmp_path, capsys):
    out = tmp_path / "out.json"
    status = main(["verify", "speculative.single-draft-coupling", "--fast", "--json", str(out),
                   "--markdown", str(tmp_path / "t.md"), "--latex", str(tmp_path / "t.tex"),
                   "--seed", "4"])
    assert status == 0
    doc = json.loads(out.read_text())
    assert set(doc) >= {"claims", "version", "seed"} and doc["seed"] == 4
    row = doc["claims"][0]
    assert set(row) >= {"id", "area", "source", "statement", "measured", "tol", "passed",
                        "seconds", "params"}
    assert row["passed"] is True
    table = capsys.readouterr().out
    assert "PASS" in table and "1 passed, 0 failed" in table
    assert "single-draft-coupling" in (tmp_path / "t.md").read_text()
    assert r"\toprule" in (tmp_path / "t.tex").read_text()


def test_verify_exits_nonzero_on_failure(monkeypatch):
    failing = reg.Claim("speculative.always-fails", "speculative", "s", "t",
                        lambda fast, rng: reg.Measurement(1.0, 0.0))
    monkeypatch.setitem(reg._REGISTRY, failing.id, failing)
    assert main(["verify", failing.id, "--fast"]) == 1


def test_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "theory", "list", "speculative"],
                         capture_output=True, text=True, check=True)
    assert "speculative.single-draft-coupling" in out.stdout


def test_report_from_json(tmp_path):
    from theory.report import main as report_main

    out = tmp_path / "claims.json"
    assert main(["verify", "speculative", "--fast", "--json", str(out)]) == 0
    figs = tmp_path / "figs"
    figs.mkdir()
    (figs / "x.png").write_bytes(b"")
    (figs / "x.json").write_text('{"params": {"n": 3}}')
    assert report_main([str(out), "--figures", str(figs), "--out", str(tmp_path / "R.md")]) == 0
    text = (tmp_path / "R.md").read_text()
    assert "claims pass" in text and "speculative.single-draft-coupling" in text and "### x" in text


@pytest.mark.parametrize("broken", ["closed_form", "ot_route"])
def test_single_draft_claim_can_fail(monkeypatch, broken):
    """Breaking either route of speculative.single-draft-coupling makes the claim fail."""
    import theory.speculative.claims.optimal as spec_claims

    if broken == "closed_form":
        real = spec_claims.maximal_coupling_acceptance
        monkeypatch.setattr(spec_claims, "maximal_coupling_acceptance",
                            lambda p, q: real(p, q) + 1e-9)
    else:
        real_emd2 = spec_claims.ot.emd2
        monkeypatch.setattr(spec_claims.ot, "emd2",
                            lambda a, b, M, **kw: real_emd2(a, b, 0.5 * M, **kw))
    res = reg.run_claim(reg.registry()["speculative.single-draft-coupling"], fast=True)
    assert not res.passed and res.measured > 1e-12
