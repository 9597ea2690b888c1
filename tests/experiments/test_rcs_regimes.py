"""The RCS §10.5 regime map (:mod:`resonant.experiments.rcs_regimes`): classification rules and a smoke map."""

import csv
import json
import math

import numpy as np
import pytest

from resonant.experiments import rcs_regimes as rr

HEALTHY = {"mean_R_N3": 0.45, "carriers_per_group": 1.0, "mitoses": 10, "arrivals": 50, "mitoses_per_min": 10.0,
           "mixed_carrier_fraction": 0.2}


# ------------------------------------------------------------------ rules
@pytest.mark.parametrize(("change", "regime"), [
    ({}, "healthy"),
    ({"mean_R_N3": rr.SYNC_R + 1e-9}, "synchrony collapse"),
    ({"mean_R_N3": rr.SYNC_R}, "healthy"),  # the threshold itself is not collapse
    ({"mean_R_N3": 0.95, "mitoses_per_min": 0.0, "mitoses": 0}, "synchrony collapse"),  # synchrony is checked first
    ({"carriers_per_group": rr.OVER_CARRIERS_PER_GROUP}, "over-mitosis"),
    ({"carriers_per_group": rr.OVER_CARRIERS_PER_GROUP, "mitoses": 0, "mitoses_per_min": 0.0,
      "mixed_carrier_fraction": 0.0}, "healthy"),  # many carriers but no division: not over-mitosis
    ({"mitoses": 51, "mitoses_per_min": 51.0}, "over-mitosis"),  # more divisions than arrivals
    ({"mitoses": 50, "mitoses_per_min": 50.0}, "healthy"),
    ({"mitoses": 0, "mitoses_per_min": 0.0, "mixed_carrier_fraction": rr.UNDER_MIXED_FRACTION}, "under-mitosis"),
    ({"mitoses": 0, "mitoses_per_min": 0.0, "mixed_carrier_fraction": 0.05}, "healthy"),  # nothing to divide
    ({"mitoses": 1, "mitoses_per_min": rr.UNDER_MITOSES_PER_MIN, "mixed_carrier_fraction": 0.5}, "healthy"),
    ({"mean_R_N3": None, "carriers_per_group": None, "mixed_carrier_fraction": None}, "healthy"),
])
def test_classification_rules(change, regime):
    assert rr.classify({**HEALTHY, **change}) == regime


def test_summarize_averages_seeds_then_classifies():
    rows = []
    for seed, (mit, mixed) in enumerate([(0, 0.4), (0, 0.5), (3, 0.1)]):
        rows.append({"kappa": 1.0, "T_div": 10.0, "seed": seed, "status": "ok", "error": None, "mitoses": mit,
                     "arrivals": 20, "mitoses_per_min": mit * 2.0, "mixed_carrier_fraction": mixed,
                     "mean_R_N3": 0.4, "carriers_per_group": 1.0})
    rows.append({"kappa": 1.0, "T_div": 10.0, "seed": 3, "status": "error", "error": "boom"})
    rows.append({"kappa": 2.0, "T_div": 10.0, "seed": 0, "status": "unstable", "error": "nan"})
    cells = rr.summarize(rows, [1.0, 2.0], [10.0])
    a, b = cells
    assert a["mean"]["mitoses_per_min"] == pytest.approx(2.0) and a["std"]["mitoses_per_min"] == pytest.approx(
        np.std([0, 0, 6.0], ddof=1))
    assert a["mean"]["mixed_carrier_fraction"] == pytest.approx(1.0 / 3.0)
    # seed means: 2 mitoses/min ≥ 1, so the cell is healthy although two seeds alone are under-mitotic
    assert a["regime"] == "healthy" and a["seed_regimes"] == {0: "under-mitosis", 1: "under-mitosis", 2: "healthy",
                                                              3: "failed"}
    assert a["seed_agreement"] == pytest.approx(0.25) and a["n_ok"] == 3 and a["errors"] == ["boom"]
    assert b["regime"] == "failed" and b["n_ok"] == 0 and b["mean"]["mitoses"] is None


def test_spec_sizes():
    full = rr.regime_spec("full")
    assert len(full.runs()) == 6 * 5 * 3 and full.swept == ["kappa", "T_div"]
    assert len(full.seeds) >= 3
    with pytest.raises(ValueError, match="size='huge'"):
        rr.regime_spec("huge")


# ------------------------------------------------------------------ the smoke map
@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("regimes")
    return out, rr.run_regime_map(out, "smoke", n_workers=1)


def test_smoke_map_classifies_every_cell_and_writes_its_files(smoke):
    out, rec = smoke
    xs, ys = rr.SIZES["smoke"]["kappa"], rr.SIZES["smoke"]["T_div"]
    assert len(rec["cells"]) == len(xs) * len(ys) and rec["n_failed"] == 0
    assert all(c["regime"] in rr.REGIMES and c["n_ok"] == rr.SIZES["smoke"]["seeds"] for c in rec["cells"])
    assert sum(rec["counts"].values()) == len(rec["cells"])
    assert (out / "fig_regime_map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    on_disk = json.loads((out / "regimes.json").read_text())
    assert on_disk["counts"] == rec["counts"] and on_disk["thresholds"] == rr.THRESHOLDS
    assert "| T_div \\ κ |" in (out / "regimes.md").read_text()


def test_smoke_cells_are_the_seed_means_of_the_table(smoke):
    out, rec = smoke
    with open(out / "results.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for c in rec["cells"]:
        mine = [r for r in rows if float(r["kappa"]) == c["kappa"] and float(r["T_div"]) == c["T_div"]]
        for k in ("mitoses_per_min", "mixed_carrier_fraction", "mean_R_N3"):
            vals = [float(r[k]) for r in mine if r[k] != ""]
            assert c["mean"][k] == pytest.approx(np.mean(vals), rel=1e-12)
        assert c["regime"] == rr.classify(c["mean"])


def test_no_division_when_the_run_is_shorter_than_the_persistence_window(smoke):
    """Mitosis needs a carrier older than T_div (eq. 20): an 8 s run cannot divide at T_div = 10 s."""
    _, rec = smoke
    seconds = rr.SIZES["smoke"]["seconds"]
    long_window = [c for c in rec["cells"] if c["T_div"] > seconds]
    assert long_window
    for c in long_window:
        assert c["mean"]["mitoses"] == 0
        # the mixed carriers are then never divided: the rule calls it under-mitosis when they are common enough
        expected = "under-mitosis" if c["mean"]["mixed_carrier_fraction"] >= rr.UNDER_MIXED_FRACTION else "healthy"
        assert c["regime"] == expected or c["mean"]["mean_R_N3"] > rr.SYNC_R


def test_rerunning_the_map_reuses_the_records(smoke):
    out, rec = smoke
    again = rr.run_regime_map(out, "smoke", n_workers=1)
    manifest = json.loads((out / "sweep.json").read_text())
    assert manifest["n_executed"] == 0 and manifest["n_done_before"] == rec["n_runs"]
    for a, b in zip(rec["cells"], again["cells"], strict=True):
        assert a["regime"] == b["regime"]
        assert all((a["mean"][k] is None and b["mean"][k] is None) or math.isclose(a["mean"][k], b["mean"][k])
                   for k in rr.CELL_METRICS)
