"""The regime map of RCS §10.5: where the known failure modes occur, over two parameters.

§10.5 names three failure modes: **global synchrony collapse** (coupling too strong relative to
detuning, R(t) → 1), **over-mitosis** (aggressive instability thresholds or short persistence
windows cascade into divisions) and **under-mitosis** (interference does not persist long enough,
so a mixed carrier is never divided). Eq. (44) puts the coupling side on one axis, κ against the
detuning Δ; the persistence window T_div of eq. (20) is the knob §10.5 names for both mitosis
failures (fix for over-mitosis: larger T_div; under-mitosis: adjust θ_div and T_div). So the map
sweeps

* x: κ, the phase-coupling gain of eq. (40), log-spaced over three decades (the eq. 44 ratio
  κ·max_i Σ_k P_ik|c_k| / Δ is recorded per run as ``median_bound_ratio``), and
* y: T_div, the persistence window of eq. (20), log-spaced from 0.1 s to 10 s,

on the paper's stream (§10, 0.9 signals/s, f ~ U(0.6, 4.5) Hz) with every other constant at its
default, for several seeds per cell, through :func:`resonant.sweep.run_sweep` (target
``"rcs.stream"``). Each cell is classified from its seed-averaged metrics by the thresholds below,
declared before the sweep was run; the first rule that holds wins (a collapsed system has no
representational diversity left to divide, so synchrony is checked first).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from resonant.sweep import SweepSpec, run_sweep
from resonant.sweep.runner import build_table

# --------------------------------------------------------------------------------------------------
# pre-declared classification thresholds
# --------------------------------------------------------------------------------------------------
#: Synchrony collapse: mean R (eq. 48) over steps with N ≥ 3 above this. Independent uniform phases give
#: E[R] ≈ √(π/4N) ≤ 0.51 for N ≥ 3 (0.44-0.52 on the default stream, docs/rcs.md); a time-average of
#: 0.8 needs the oscillators aligned within about ±0.65 rad most of the time, which chance cannot give.
SYNC_R = 0.8
#: Over-mitosis, "carriers ≫ groups": bonded carriers per frequency group (groups = present oscillators
#: split at gaps ≥ ``mixed_hz`` = 0.25 Hz, the engine's min_separation_hz) averaged over time, at or above
#: this. One carrier per group is the aim of Algorithm 2; 1.5 means half again as many carriers as groups.
OVER_CARRIERS_PER_GROUP = 1.5
#: Over-mitosis, rate: more divisions than arriving signals. Each arrival can make at most one carrier
#: bimodal (it brings one new frequency), so a healthy engine divides at most once per arrival.
OVER_MITOSES_PER_ARRIVAL = 1.0
#: Under-mitosis: "no mitosis when multimodal carriers persist": fewer divisions than this per minute ...
UNDER_MITOSES_PER_MIN = 1.0
#: ... while carriers holding frequencies ≥ 0.25 Hz apart (mixed: what Algorithm 2 should divide) make up at
#: least this fraction of bonded carrier-time (there was something to divide).
UNDER_MIXED_FRACTION = 0.1

THRESHOLDS: dict[str, float] = dict(
    SYNC_R=SYNC_R, OVER_CARRIERS_PER_GROUP=OVER_CARRIERS_PER_GROUP, OVER_MITOSES_PER_ARRIVAL=OVER_MITOSES_PER_ARRIVAL,
    UNDER_MITOSES_PER_MIN=UNDER_MITOSES_PER_MIN, UNDER_MIXED_FRACTION=UNDER_MIXED_FRACTION,
)
REGIMES: tuple[str, ...] = ("healthy", "synchrony collapse", "over-mitosis", "under-mitosis", "failed")
#: The metrics the classification reads (seed means of these).
CLASSIFY_METRICS: tuple[str, ...] = (
    "mean_R_N3", "carriers_per_group", "mitoses", "arrivals", "mitoses_per_min", "mixed_carrier_fraction",
)
#: Metrics summarised per cell in the record (mean and s.d. over seeds).
CELL_METRICS: tuple[str, ...] = (
    *CLASSIFY_METRICS, "chance_R_N3", "frac_R_above", "max_R", "median_bound_ratio", "mean_M", "mean_N",
    "mean_bonds_per_carrier", "mean_groups", "dissolutions", "nucleations", "mean_L_comp_per_osc",
)

X_PARAM, Y_PARAM = "kappa", "T_div"
#: Sweep sizes: the full map and a smoke map for tests.
SIZES: dict[str, dict[str, Any]] = {
    "full": dict(kappa=[0.25, 1.0, 4.0, 16.0, 64.0, 256.0], T_div=[0.1, 0.3, 1.0, 3.0, 10.0], seeds=3, seconds=60.0),
    "smoke": dict(kappa=[1.0, 64.0], T_div=[0.3, 10.0], seeds=2, seconds=8.0),
}


def regime_spec(size: str = "full", seeds: int | None = None, seconds: float | None = None) -> SweepSpec:
    """The sweep of the map (``examples/sweeps/regimes.toml`` is the "full" one)."""
    if size not in SIZES:
        raise ValueError(f"size={size!r} must be one of {sorted(SIZES)}")
    s = SIZES[size]
    return SweepSpec.from_dict(dict(
        target="rcs.stream", name=f"rcs-regimes-{size}", seeds=seeds if seeds is not None else s["seeds"],
        seconds=seconds if seconds is not None else s["seconds"], base=dict(stream="paper"),
        grid={X_PARAM: list(s[X_PARAM]), Y_PARAM: list(s[Y_PARAM])},
    ), source=f"regime_spec({size!r})")


def classify(m: Mapping[str, Any]) -> str:
    """The §10.5 regime of one run or cell from its metrics (see the module constants); None-safe.

    Rules, first match wins: synchrony collapse (mean_R_N3 > SYNC_R); over-mitosis (mitoses ≥ 1 and
    either carriers_per_group ≥ OVER_CARRIERS_PER_GROUP or mitoses/arrivals > OVER_MITOSES_PER_ARRIVAL);
    under-mitosis (mitoses_per_min < UNDER_MITOSES_PER_MIN and mixed_carrier_fraction ≥
    UNDER_MIXED_FRACTION); healthy otherwise.
    """
    def get(k: str) -> float:
        v = m.get(k)
        return float(v) if v is not None and math.isfinite(float(v)) else math.nan

    if get("mean_R_N3") > SYNC_R:
        return "synchrony collapse"
    mitoses, arrivals = get("mitoses"), get("arrivals")
    per_arrival = mitoses / arrivals if arrivals > 0 else math.nan
    too_many = get("carriers_per_group") >= OVER_CARRIERS_PER_GROUP or per_arrival > OVER_MITOSES_PER_ARRIVAL
    if mitoses >= 1 and too_many:
        return "over-mitosis"
    if get("mitoses_per_min") < UNDER_MITOSES_PER_MIN and get("mixed_carrier_fraction") >= UNDER_MIXED_FRACTION:
        return "under-mitosis"
    return "healthy"


def _mean_std(values: Sequence[Any]) -> tuple[float | None, float | None]:
    x = np.array([float(v) for v in values if v is not None and v != "" and math.isfinite(float(v))])
    if x.size == 0:
        return None, None
    return float(x.mean()), float(x.std(ddof=1)) if x.size > 1 else 0.0


def summarize(rows: Sequence[Mapping[str, Any]], xs: Sequence[float], ys: Sequence[float]) -> list[dict[str, Any]]:
    """One cell per (x, y): seed means/s.d. of :data:`CELL_METRICS`, the cell's regime (from the means),
    each seed's regime and the fraction of seeds that agree with the cell."""
    cells = []
    for y in ys:
        for x in xs:
            mine = [r for r in rows if float(r[X_PARAM]) == float(x) and float(r[Y_PARAM]) == float(y)]
            ok = [r for r in mine if r["status"] == "ok"]
            stats = {k: _mean_std([r.get(k) for r in ok]) for k in CELL_METRICS}
            means = {k: v[0] for k, v in stats.items()}
            label = classify(means) if ok else "failed"
            per_seed = {int(r["seed"]): (classify(r) if r["status"] == "ok" else "failed") for r in mine}
            agree = float(np.mean([v == label for v in per_seed.values()])) if per_seed else None
            cells.append({X_PARAM: float(x), Y_PARAM: float(y), "regime": label, "n_runs": len(mine), "n_ok": len(ok),
                          "seed_regimes": per_seed, "seed_agreement": agree,
                          "errors": sorted({str(r.get("error")) for r in mine if r["status"] != "ok"}),
                          "mean": means, "std": {k: v[1] for k, v in stats.items()}})
    return cells


def run_regime_map(
    out: str | Path,
    size: str = "full",
    *,
    seeds: int | None = None,
    seconds: float | None = None,
    scheduler: Any = None,
    n_workers: int | None = None,
    progress: bool | Callable[[int, int], None] = False,
) -> dict[str, Any]:
    """Run (or resume) the map's sweep into ``out``, classify every cell, write the figure and record.

    Returns the record (also written as ``out/regimes.json``; figure ``out/fig_regime_map.png``,
    summary ``out/regimes.md``, tidy table ``out/results.csv``).
    """
    out = Path(out)
    spec = regime_spec(size, seeds, seconds)
    start = time.perf_counter()
    table = run_sweep(spec, out, scheduler=scheduler, n_workers=n_workers, progress=progress)
    _, rows = build_table(spec, out)
    xs, ys = spec.grid[X_PARAM], spec.grid[Y_PARAM]
    cells = summarize(rows, xs, ys)
    counts = {r: sum(c["regime"] == r for c in cells) for r in REGIMES}
    record: dict[str, Any] = dict(
        experiment="rcs_regimes", section="RCS §10.5", size=size, x=X_PARAM, y=Y_PARAM, xs=list(xs), ys=list(ys),
        seeds=list(spec.seeds), seconds=spec.base["seconds"], stream="paper", thresholds=dict(THRESHOLDS),
        rules=classify.__doc__, counts=counts, cells=cells, n_runs=len(rows),
        n_failed=sum(r["status"] != "ok" for r in rows), table=str(table), wall_seconds=time.perf_counter() - start,
        run_seconds_total=float(sum(float(r["wall_seconds"] or 0.0) for r in rows)),
        extremes=_extremes(cells),
    )
    record["paths"] = write_regime_report(record, out)
    return record


def _extremes(cells: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Largest/smallest cell means of the quantities the rules read (how close each rule came to firing)."""
    out: dict[str, Any] = {}
    for k, how in (("mean_R_N3", max), ("carriers_per_group", max), ("mixed_carrier_fraction", max),
                   ("mitoses_per_min", max), ("mitoses_per_min", min), ("median_bound_ratio", max),
                   ("median_bound_ratio", min)):
        vals = [(c["mean"][k], c) for c in cells if c["mean"].get(k) is not None]
        if vals:
            v, c = how(vals, key=lambda t: t[0])
            out[f"{how.__name__}_{k}"] = dict(value=v, **{X_PARAM: c[X_PARAM], Y_PARAM: c[Y_PARAM]})
    return out


# --------------------------------------------------------------------------------------------------
# figure and record
# --------------------------------------------------------------------------------------------------
_COLORS = {"healthy": "#4daf4a", "synchrony collapse": "#e41a1c", "over-mitosis": "#ff7f00",
           "under-mitosis": "#377eb8", "failed": "#999999"}


def write_regime_report(record: Mapping[str, Any], out: str | Path) -> dict[str, str]:
    """``regimes.json``, ``fig_regime_map.png`` (regimes + the three quantities behind them) and ``regimes.md``."""
    import json

    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    from resonant.reports.common import jsonable, new_figure, save_figure, write_text

    out = Path(out)
    xs, ys, cells = record["xs"], record["ys"], record["cells"]

    def grid(fn: Callable[[Mapping[str, Any]], float | None]) -> np.ndarray:
        g = np.full((len(ys), len(xs)), np.nan)
        for c in cells:
            v = fn(c)
            g[ys.index(c[Y_PARAM]), xs.index(c[X_PARAM])] = np.nan if v is None else v
        return g

    fig = new_figure((12.0, 8.5))
    axes = fig.subplots(2, 2)
    xt = [f"{x:g}" for x in xs]
    yt = [f"{y:g}" for y in ys]
    ax = axes[0, 0]
    codes = grid(lambda c: REGIMES.index(c["regime"]))
    ax.imshow(codes, cmap=ListedColormap([_COLORS[r] for r in REGIMES]), vmin=-0.5, vmax=len(REGIMES) - 0.5,
              origin="lower", aspect="auto")
    for c in cells:
        i, j = ys.index(c[Y_PARAM]), xs.index(c[X_PARAM])
        agree = c["seed_agreement"]
        ax.text(j, i, f"{c['regime'].replace(' ', chr(10))}\n{0 if agree is None else agree:.0%} seeds", ha="center",
                va="center", fontsize=7, color="white")
    ax.legend(handles=[Patch(color=_COLORS[r], label=r) for r in REGIMES], fontsize=7, loc="upper left",
              bbox_to_anchor=(1.0, 1.0))
    ax.set_title("§10.5 regime (seed means)")
    panels = [
        (axes[0, 1], grid(lambda c: c["mean"]["mean_R_N3"]), f"R̄ over steps with N ≥ 3 (collapse > {SYNC_R:g})",
         "viridis", (0.0, 1.0)),
        (axes[1, 0], grid(lambda c: c["mean"]["mitoses_per_min"]), "mitoses per minute", "magma", None),
        (axes[1, 1], grid(lambda c: c["mean"]["mixed_carrier_fraction"]),
         "mixed-carrier fraction (bonded frequencies ≥ 0.25 Hz apart)", "cividis", (0.0, 1.0)),
    ]
    for ax2, g, title, cmap, lim in panels:
        im = ax2.imshow(g, cmap=cmap, origin="lower", aspect="auto",
                        **({} if lim is None else dict(vmin=lim[0], vmax=lim[1])))
        fig.colorbar(im, ax=ax2, fraction=0.046)
        for i in range(len(ys)):
            for j in range(len(xs)):
                if np.isfinite(g[i, j]):
                    level = im.norm(g[i, j])
                    ax2.text(j, i, f"{g[i, j]:.2f}", ha="center", va="center", fontsize=7,
                             color="black" if np.ma.filled(level, 0.0) > 0.6 else "white")
        ax2.set_title(title, fontsize=9)
    ratio = grid(lambda c: c["mean"]["median_bound_ratio"])
    with np.errstate(all="ignore"):
        col_ratio = [np.nanmedian(ratio[:, j]) if np.isfinite(ratio[:, j]).any() else np.nan for j in range(len(xs))]
    for a in axes.flat:
        a.set_xticks(range(len(xs)), [f"{t}\n({r:.2g})" for t, r in zip(xt, col_ratio, strict=True)])
        a.set_yticks(range(len(ys)), yt)
        a.set_xlabel("κ (eq. 40 coupling gain); (median eq. 44 ratio κ·maxΣP|c| / Δ)", fontsize=8)
        a.set_ylabel("T_div (s, eq. 20 persistence window)", fontsize=8)
    fig.suptitle(f"RCS §10.5 regime map: paper stream, {record['seconds']:g} s, seeds {record['seeds']}")
    fig_path = save_figure(fig, out / "fig_regime_map.png")
    json_path = write_text(out / "regimes.json", json.dumps(jsonable(dict(record)), indent=1) + "\n")
    md_path = write_text(out / "regimes.md", _markdown(record))
    return {"figure": str(fig_path), "record": str(json_path), "summary": str(md_path)}


def _fmt(v: Any, d: int = 2) -> str:
    return "n/a" if v is None else f"{v:.{d}f}"


def _markdown(record: Mapping[str, Any]) -> str:
    xs, ys = record["xs"], record["ys"]
    lines = [
        "# RCS §10.5 regime map",
        "",
        f"Paper stream, {record['seconds']:g} s per run, seeds {record['seeds']}, {record['n_runs']} runs "
        f"({record['n_failed']} failed; {record['run_seconds_total']:.0f} s of run time in total, this invocation "
        f"{record['wall_seconds']:.1f} s wall). x = κ, y = T_div (s); every other "
        "constant at its default. Table: `results.csv`; figure: `fig_regime_map.png`.",
        "",
        "Thresholds (declared before the sweep): " + ", ".join(f"{k} = {v:g}" for k, v in record["thresholds"].items()),
        "",
        "| T_div \\ κ | " + " | ".join(f"{x:g}" for x in xs) + " |",
        "|---|" + "---|" * len(xs),
    ]
    by = {(c[X_PARAM], c[Y_PARAM]): c for c in record["cells"]}
    for y in reversed(ys):
        row = []
        for x in xs:
            c = by[(x, y)]
            m = c["mean"]
            row.append(f"{c['regime']} (R̄ {_fmt(m['mean_R_N3'])}, {_fmt(m['mitoses_per_min'], 1)}/min, "
                       f"mixed {_fmt(m['mixed_carrier_fraction'])}, C/G {_fmt(m['carriers_per_group'])})")
        lines.append(f"| {y:g} | " + " | ".join(row) + " |")
    lines += ["", "Counts: " + ", ".join(f"{k}: {v}" for k, v in record["counts"].items()), "",
              "Extremes (cell means): " + "; ".join(
                  f"{k} = {_fmt(v['value'], 3)} at κ={v[X_PARAM]:g}, T_div={v[Y_PARAM]:g}"
                  for k, v in record["extremes"].items()), ""]
    return "\n".join(lines)


__all__ = [
    "CELL_METRICS",
    "CLASSIFY_METRICS",
    "OVER_CARRIERS_PER_GROUP",
    "OVER_MITOSES_PER_ARRIVAL",
    "REGIMES",
    "SIZES",
    "SYNC_R",
    "THRESHOLDS",
    "UNDER_MITOSES_PER_MIN",
    "UNDER_MIXED_FRACTION",
    "classify",
    "regime_spec",
    "run_regime_map",
    "summarize",
    "write_regime_report",
]
