"""Stream report writer: reproduces RCS §10.2 (Table 1 and Figures 1–4) from a :class:`StreamRecord`.

The report reads only the plain data records of :mod:`resonant.rcs.metrics_types`; it never imports
the engine, so a report can be regenerated from a saved record without the simulator.

For one record, :func:`write_stream_report` writes into ``out_dir``:

* ``metrics.json`` -- time-averaged summary metrics (Table 1 and more), JSON-safe (NaN → null);
* ``timeseries.csv`` -- the per-step series (columns of :data:`SERIES_COLUMNS` that were recorded);
* ``fig1_metrics.png`` … ``fig4_lifetimes.png`` -- the four figures of RCS §10.2;
* ``report.md`` -- the human-readable report (run description, Table 1, figures, mitosis audit,
  config).

For a list of records (several seeds of one configuration) it writes one such folder per seed
(``seed_<seed>/``) plus a top-level ``metrics.json`` and ``report.md`` summarising across seeds.

Every file is written atomically (temp file in the same directory, then :func:`os.replace`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator

from resonant.core.checkpoint import atomic_write
from resonant.rcs.metrics_types import SERIES_COLUMNS, SERIES_UNITS, GateTrace, PresenceSnapshot, StreamRecord
from resonant.reports.common import jsonable as _jsonable
from resonant.reports.common import new_figure as _new_figure
from resonant.reports.common import save_figure as _save_figure
from resonant.reports.common import write_text as _write_text

__all__ = ["TABLE1_COLUMNS", "compute_stream_metrics", "write_stream_report"]

#: Table 1 columns: (metrics.json key, markdown header).
TABLE1_COLUMNS: tuple[tuple[str, str], ...] = (
    ("mean_N", "N̄"),
    ("mean_M", "M̄"),
    ("mean_M_active", "M̄_active"),
    ("mean_nnz", "nnz̄(P)"),
    ("mean_L_comp", "L̄_comp"),
    ("mitoses", "mitoses"),
    ("dissolutions", "dissolutions"),
    ("births", "births"),
    ("mean_R", "R̄"),
    ("max_R", "max R"),
    ("mean_bonds_per_carrier", "bonds/carrier"),
)

#: Cumulative event counters reported as their final value.
_COUNTERS: tuple[str, ...] = ("births", "nucleations", "mitoses", "dissolutions", "snaps", "recruitments")

_DPI = 150
_GATE_OPEN = 0.5  # a gate value above this counts as "open"
_GATE_WINDOW_S = 4.0  # width of the window shown in Figure 2
_MAX_TICKS = 30  # at most this many tick labels per heatmap axis
_MAX_AUDIT_ROWS = 50

JSONValue = Any


# --------------------------------------------------------------------------------------------------
# atomic I/O
# --------------------------------------------------------------------------------------------------


def _atomic_write(path: Path, writer: Callable[[Path], None]) -> Path:
    """Call ``writer(tmp)`` on a temp file next to ``path``, then atomically move it into place."""
    return atomic_write(path, writer)








# --------------------------------------------------------------------------------------------------
# JSON helpers
# --------------------------------------------------------------------------------------------------




def _dumps(obj: Any) -> str:
    return json.dumps(_jsonable(obj), indent=2, allow_nan=False) + "\n"


# --------------------------------------------------------------------------------------------------
# metrics
# --------------------------------------------------------------------------------------------------


def _float_or_none(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _mean(x: np.ndarray) -> float | None:
    x = x[np.isfinite(x)]
    return float(np.mean(x)) if x.size else None


def _max(x: np.ndarray) -> float | None:
    x = x[np.isfinite(x)]
    return float(np.max(x)) if x.size else None


def _series(record: StreamRecord) -> dict[str, np.ndarray]:
    """The record's series as 1-D float arrays of one common length (ValueError otherwise)."""
    out = {name: np.asarray(v, dtype=float).reshape(-1) for name, v in record.series.items()}
    lengths = {name: v.size for name, v in out.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"StreamRecord.series columns have different lengths: {lengths}")
    return out


def _n_steps(series: dict[str, np.ndarray]) -> int:
    return next(iter(series.values())).size if series else 0


def _time_axis(series: dict[str, np.ndarray], dt: float) -> np.ndarray:
    if "t" in series:
        return series["t"]
    return np.arange(_n_steps(series), dtype=float) * float(dt)


def _chance_R(N: np.ndarray) -> np.ndarray:
    """Random-phase expectation of R for N oscillators, √(π/(4N)); NaN where N < 1."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(N >= 1, np.sqrt(np.pi / (4.0 * np.maximum(N, 1.0))), np.nan)


def _gate_reopenings(gate: GateTrace | None) -> int | None:
    """Closed → open transitions of the traced gate (the initial state is not a transition)."""
    if gate is None:
        return None
    g = np.asarray(gate.gate, dtype=float).reshape(-1)
    if g.size < 2:
        return 0
    is_open = g > _GATE_OPEN
    return int(np.count_nonzero(~is_open[:-1] & is_open[1:]))


def compute_stream_metrics(record: StreamRecord) -> dict[str, Any]:
    """The summary metrics of one record (JSON-safe values; ``None`` where undefined)."""
    s = _series(record)
    n = _n_steps(s)

    def col(name: str) -> np.ndarray | None:
        return s.get(name)

    def mean_of(name: str) -> float | None:
        x = col(name)
        return None if x is None else _mean(x)

    def final(name: str) -> int | None:
        x = col(name)
        if x is None or x.size == 0 or not math.isfinite(float(x[-1])):
            return None
        return round(float(x[-1]))

    m: dict[str, Any] = {
        "mean_N": mean_of("N"),
        "mean_M": mean_of("M"),
        "mean_M_active": mean_of("M_active"),
        "mean_nnz": mean_of("nnz"),
        "mean_L_comp": mean_of("L_comp"),
    }
    for name in _COUNTERS:
        m[name] = final(name)

    R, N, M, nnz = col("R"), col("N"), col("M"), col("nnz")
    m["mean_R"] = None if R is None else _mean(R)
    m["max_R"] = None if R is None else _max(R)
    m["max_R_N_ge_3"] = None if R is None or N is None else _max(R[N >= 3])
    m["chance_R"] = None if N is None else _mean(_chance_R(N))
    if nnz is not None and M is not None:
        has_m = M > 0
        m["mean_bonds_per_carrier"] = _mean(nnz[has_m] / M[has_m])
    else:
        m["mean_bonds_per_carrier"] = None
    m["mean_degree"] = mean_of("mean_degree")
    gof = col("gate_open_fraction")
    m["gate_open_fraction"] = None if gof is None or M is None else _mean(gof[M > 0])
    m["gate_reopenings"] = _gate_reopenings(record.gate_trace)

    life = np.asarray(record.lifetimes, dtype=float).reshape(-1)
    life = life[np.isfinite(life)]
    cens = np.asarray(record.censored_lifetimes, dtype=float).reshape(-1)
    cens = cens[np.isfinite(cens)]
    m["mean_lifetime_s"] = float(np.mean(life)) if life.size else None
    m["median_lifetime_s"] = float(np.median(life)) if life.size else None
    m["n_lifetimes"] = int(life.size)
    m["n_censored"] = int(cens.size)
    m["mean_energy"] = mean_of("mean_energy")
    m["max_energy"] = None if col("max_energy") is None else _max(s["max_energy"])
    m["max_bound_ratio"] = None if col("bound_ratio") is None else _max(s["bound_ratio"])

    m["steps"] = int(n)
    m["seconds"] = _float_or_none(record.seconds)
    m["dt"] = _float_or_none(record.dt)
    m["seed"] = int(record.seed)
    m["wall_seconds"] = _float_or_none(record.wall_seconds)
    m["steps_per_second"] = (
        float(n / record.wall_seconds) if record.wall_seconds and record.wall_seconds > 0 else None
    )
    m["config"] = record.config
    m["mitosis_log"] = record.mitosis_log
    if record.extra:
        m["extra"] = record.extra
    return _jsonable(m)


# --------------------------------------------------------------------------------------------------
# time series CSV
# --------------------------------------------------------------------------------------------------


def _fmt_csv(v: float) -> str:
    if not math.isfinite(v):
        return "nan"
    if v == round(v) and abs(v) < 1e15:
        return str(round(v))
    return format(v, ".10g")


def _timeseries_csv(record: StreamRecord) -> str:
    s = _series(record)
    cols = [c for c in SERIES_COLUMNS if c in s]
    lines = [",".join(cols)]
    if cols:
        data = np.column_stack([s[c] for c in cols])
        lines.extend(",".join(_fmt_csv(float(v)) for v in row) for row in data)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------------------------------


def _text_panel(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=12, wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


def _unit(name: str) -> str:
    return SERIES_UNITS.get(name, "")


def _fig1_metrics(record: StreamRecord, path: Path) -> Path:
    s = _series(record)
    t = _time_axis(s, record.dt)
    fig = _new_figure((9.0, 10.0))
    axes = fig.subplots(4, 1, sharex=True)
    if t.size == 0:
        for ax in axes:
            _text_panel(ax, "no steps recorded")
        fig.suptitle(f"Stream metrics over time (seed {record.seed})")
        return _save_figure(fig, path)

    ax = axes[0]
    for name, label, style in (
        ("N", "N (oscillators)", "-"),
        ("M", "M (carriers)", "-"),
        ("M_active", "M_active (active carriers)", "--"),
    ):
        if name in s:
            ax.plot(t, s[name], style, lw=1.2, label=label)
    ax.set_ylabel(f"population ({_unit('N')})")
    ax.set_title("Population: oscillators and carriers")
    ax.legend(loc="upper right", fontsize=8)

    ax = axes[1]
    if "nnz" in s:
        ax.plot(t, s["nnz"], lw=1.2, label="nnz(P) (bonds)")
    if "L_comp" in s:
        ax.plot(t, s["L_comp"], lw=1.2, label="L_comp = nnz(P) + M_active")
    ax.set_ylabel(f"bonds / description length ({_unit('nnz')})")
    ax.set_title("Sparsity and description length")
    ax.legend(loc="upper right", fontsize=8)

    ax = axes[2]
    if "R" in s:
        ax.plot(t, s["R"], lw=1.0, label="R(t), eq. (48)")
    if "N" in s:
        ax.plot(t, _chance_R(s["N"]), "k--", lw=1.0, label="chance √(π/(4N))")
    ax.set_ylim(0.0, 1.05)
    ax.set_ylabel(f"R ({_unit('R')})")
    ax.set_title("Global order parameter vs random-phase chance level")
    ax.legend(loc="upper right", fontsize=8)

    ax = axes[3]
    for name in ("births", "mitoses", "dissolutions"):
        if name in s:
            ax.step(t, s[name], where="post", lw=1.2, label=f"{name} (cumulative)")
    ax.set_ylabel(f"events ({_unit('births')})")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Carrier churn")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_xlabel("time t (s)")

    fig.suptitle(f"Stream metrics over time (seed {record.seed}, Δt = {record.dt:g} s)")
    return _save_figure(fig, path)


def _fig2_gate(record: StreamRecord, path: Path) -> Path:
    gt = record.gate_trace
    if gt is None or np.asarray(gt.t).size == 0:
        fig = _new_figure((9.0, 4.0))
        ax = fig.subplots()
        _text_panel(ax, "no carrier lived long enough for a gate trace")
        ax.set_title("Gate capture")
        return _save_figure(fig, path)

    t = np.asarray(gt.t, dtype=float).reshape(-1)
    gate = np.asarray(gt.gate, dtype=float).reshape(-1)
    drive = np.asarray(gt.drive, dtype=float).reshape(-1)
    captured = np.asarray(gt.captured, dtype=float).reshape(-1)
    energy = np.asarray(gt.energy, dtype=float).reshape(-1)
    mid = 0.5 * (t[0] + t[-1])
    lo, hi = mid - _GATE_WINDOW_S / 2, mid + _GATE_WINDOW_S / 2
    if t[-1] - t[0] <= _GATE_WINDOW_S:
        lo, hi = t[0], t[-1]
    w = (t >= lo) & (t <= hi)
    t, gate, drive, captured, energy = t[w], gate[w], drive[w], captured[w], energy[w]
    is_open = gate > _GATE_OPEN

    fig = _new_figure((9.0, 7.5))
    ax_g, ax_d, ax_e = fig.subplots(3, 1, sharex=True, gridspec_kw={"height_ratios": [1, 2.2, 1.3]})

    ax_g.fill_between(t, 0.0, gate, step="post", color="tab:orange", alpha=0.5, label="gate G(ψ_k)")
    ax_g.step(t, gate, where="post", color="tab:orange", lw=1.0)
    ax_g.set_ylim(-0.05, 1.15)
    ax_g.set_ylabel("G(ψ_k) (1)")
    ax_g.set_title("Carrier gate (square wave)")
    ax_g.legend(loc="upper right", fontsize=8)

    amp = float(np.nanmax(np.abs(drive))) if drive.size and np.isfinite(drive).any() else 1.0
    amp = amp if amp > 0 else 1.0
    ax_d.fill_between(
        t,
        -1.1 * amp,
        1.1 * amp,
        where=is_open,
        step="post",
        color="tab:orange",
        alpha=0.12,
        lw=0,
        label="gate open",
    )
    ax_d.plot(t, drive, color="tab:blue", lw=1.0, label="composite drive (ungated)")
    ax_d.fill_between(
        t, 0.0, captured, where=is_open, color="tab:green", alpha=0.6, label="captured = G(ψ_k) × drive"
    )
    ax_d.axhline(0.0, color="k", lw=0.5)
    ax_d.set_ylim(-1.15 * amp, 1.15 * amp)
    ax_d.set_ylabel("drive (a.u.)")
    ax_d.set_title("Composite drive and the portion captured while the gate is open")
    ax_d.legend(loc="upper right", fontsize=8)

    ax_e.plot(t, energy, color="tab:red", lw=1.2, label="|c_k|")
    ax_e.set_ylabel("energy |c_k| (|c|)")
    ax_e.set_xlabel("time t (s)")
    ax_e.set_title("Carrier energy")
    ax_e.legend(loc="upper right", fontsize=8)

    fig.suptitle(f"Gate capture, carrier {gt.carrier_id} (window {lo:.2f}–{hi:.2f} s)")
    return _save_figure(fig, path)


def _tick_positions(n: int) -> np.ndarray:
    if n <= _MAX_TICKS:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, _MAX_TICKS).round().astype(int))


def _presence_density(P: np.ndarray) -> tuple[int, float]:
    nnz = int(np.count_nonzero(P))
    return nnz, (nnz / P.size if P.size else 0.0)


def _fig3_presence(record: StreamRecord, path: Path) -> Path:
    snap: PresenceSnapshot | None = record.presence
    P = None if snap is None else np.asarray(snap.P, dtype=float)
    if snap is None or P is None or P.ndim != 2 or P.size == 0:
        fig = _new_figure((7.0, 4.0))
        ax = fig.subplots()
        when = "" if snap is None else f" at t = {snap.t:.2f} s"
        _text_panel(ax, f"presence matrix is empty{when}\n(no oscillator–carrier bonds to show)")
        ax.set_title("Presence matrix P snapshot")
        return _save_figure(fig, path)

    osc_f = np.asarray(snap.osc_freq_hz, dtype=float).reshape(-1)
    car_f = np.asarray(snap.car_freq_hz, dtype=float).reshape(-1)
    labels = np.asarray(snap.osc_label).reshape(-1)
    car_ids = np.asarray(snap.car_ids).reshape(-1)
    rows = np.argsort(osc_f, kind="stable")
    cols = np.argsort(car_f, kind="stable")
    Ps = P[np.ix_(rows, cols)]
    nnz, density = _presence_density(P)

    n_osc, n_car = Ps.shape
    fig = _new_figure((min(4.0 + 0.45 * n_car, 14.0), min(3.0 + 0.28 * n_osc, 14.0)))
    ax = fig.subplots()
    vmax = float(np.max(Ps)) if np.max(Ps) > 0 else 1.0
    im = ax.imshow(Ps, aspect="auto", interpolation="nearest", cmap="viridis", vmin=0.0, vmax=vmax)
    cbar = fig.colorbar(im, ax=ax)
    cbar.set_label("P_ik")

    def osc_tick(i: int) -> str:
        j = rows[i]
        lab = int(labels[j]) if j < labels.size else -1
        return f"{osc_f[j]:.2f} Hz" + (f" (g{lab})" if lab >= 0 else "")

    def car_tick(k: int) -> str:
        j = cols[k]
        cid = f"#{int(car_ids[j])} " if j < car_ids.size else ""
        return f"{cid}{car_f[j]:.2f} Hz"

    yt, xt = _tick_positions(n_osc), _tick_positions(n_car)
    ax.set_yticks(yt, [osc_tick(int(i)) for i in yt], fontsize=7)
    ax.set_xticks(xt, [car_tick(int(k)) for k in xt], fontsize=7, rotation=60, ha="right")
    ax.set_ylabel("oscillator i (sorted by frequency, Hz)")
    ax.set_xlabel("carrier k (sorted by frequency, Hz)")
    ax.set_title(
        f"Presence matrix P at t = {snap.t:.2f} s\n"
        f"{n_osc} oscillators × {n_car} carriers, nnz = {nnz}, density = {density:.2f}"
    )
    return _save_figure(fig, path)


def _lifetimes(record: StreamRecord) -> tuple[np.ndarray, np.ndarray]:
    life = np.asarray(record.lifetimes, dtype=float).reshape(-1)
    cens = np.asarray(record.censored_lifetimes, dtype=float).reshape(-1)
    return life[np.isfinite(life)], cens[np.isfinite(cens)]


def _fig4_lifetimes(record: StreamRecord, path: Path) -> Path:
    life, cens = _lifetimes(record)
    fig = _new_figure((8.0, 5.0))
    ax = fig.subplots()
    if life.size == 0 and cens.size == 0:
        _text_panel(ax, "no carrier lifetimes recorded\n(no completed or still-alive carriers)")
        ax.set_title("Carrier lifetime distribution")
        return _save_figure(fig, path)

    both = np.concatenate([life, cens])
    bins = np.histogram_bin_edges(both, bins="auto")
    if bins.size > 41:
        bins = np.histogram_bin_edges(both, bins=40)
    if life.size:
        ax.hist(
            life,
            bins=bins,
            color="tab:blue",
            alpha=0.75,
            edgecolor="white",
            label=f"completed (n = {life.size}, median = {np.median(life):.2f} s)",
        )
        ax.axvline(float(np.median(life)), color="tab:blue", ls="--", lw=1.0)
    else:
        ax.plot([], [], " ", label="completed: none (n = 0)")
    if cens.size:
        ax.hist(
            cens,
            bins=bins,
            histtype="step",
            hatch="///",
            color="tab:red",
            lw=1.2,
            label=f"censored, alive at end (n = {cens.size}, median = {np.median(cens):.2f} s)",
        )
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("carrier lifetime (s)")
    ax.set_ylabel("carriers (count)")
    ax.set_title(f"Carrier lifetime distribution (seed {record.seed})")
    ax.legend(loc="upper right", fontsize=8)
    return _save_figure(fig, path)


# --------------------------------------------------------------------------------------------------
# markdown
# --------------------------------------------------------------------------------------------------


def _fmt(v: Any) -> str:
    """Compact human formatting for tables and captions (``—`` for missing/non-finite)."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if not math.isfinite(f):
            return "—"
        if abs(f) >= 1000:
            return f"{f:.1f}"
        if f != 0 and abs(f) < 0.01:
            return f"{f:.3g}"
        text = f"{f:.3f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    return str(v)


def _md_cell(v: Any) -> str:
    if isinstance(v, str):
        text = v
    elif isinstance(v, (list, tuple, dict, np.ndarray)):
        text = json.dumps(_jsonable(v))
    else:
        text = _fmt(v)
    return text.replace("|", "\\|").replace("\n", " ")


def _table1_header() -> list[str]:
    header = "| run | " + " | ".join(h for _, h in TABLE1_COLUMNS) + " |"
    sep = "|---|" + "---:|" * len(TABLE1_COLUMNS)
    return [header, sep]


def _table1_row(name: str, values: dict[str, Any]) -> str:
    return f"| {name} | " + " | ".join(_fmt(values.get(k)) for k, _ in TABLE1_COLUMNS) + " |"


def _mitosis_audit(log: Sequence[dict[str, Any]]) -> list[str]:
    if not log:
        return ["no mitoses"]
    keys: list[str] = []
    for entry in log:
        for k in entry:
            if str(k) not in keys:
                keys.append(str(k))
    lines = ["| # | " + " | ".join(_md_cell(k) for k in keys) + " |", "|---:|" + "---|" * len(keys)]
    for i, entry in enumerate(log[:_MAX_AUDIT_ROWS]):
        by_name = {str(k): v for k, v in entry.items()}
        lines.append(f"| {i} | " + " | ".join(_md_cell(by_name.get(k)) for k in keys) + " |")
    if len(log) > _MAX_AUDIT_ROWS:
        lines.append("")
        lines.append(f"(showing the first {_MAX_AUDIT_ROWS} of {len(log)} mitoses; all are in metrics.json)")
    return lines


def _report_md(record: StreamRecord, m: dict[str, Any], paper_reference: dict[str, Any] | None) -> str:
    life, cens = _lifetimes(record)
    out: list[str] = [f"# Stream report — seed {record.seed}", ""]
    wall = m.get("wall_seconds")
    sps = m.get("steps_per_second")
    out.append(
        f"Open-ended sensory stream simulated for {_fmt(m.get('seconds'))} s of stream time "
        f"(Δt = {record.dt:g} s, {m['steps']} recorded steps, seed = {record.seed}). "
        f"The run took {_fmt(wall)} s of wall time ({_fmt(sps)} steps/s). "
        f"Time averages are over all recorded steps; event counts are final cumulative values. "
        f"The random-phase chance level of R is {_fmt(m.get('chance_R'))} "
        f"(time average of √(π/(4N)) over steps with N ≥ 1)."
    )
    out += ["", "## Table 1: Stream summary metrics (time-averaged)", ""]
    out += _table1_header()
    out.append(_table1_row("this run", m))
    if paper_reference is not None:
        out.append(_table1_row("paper (RCS §10.2)", paper_reference))
    out += [
        "",
        f"Further: max R over steps with N ≥ 3 = {_fmt(m.get('max_R_N_ge_3'))}, "
        f"mean degree = {_fmt(m.get('mean_degree'))} bonds/oscillator, "
        f"gate-open fraction = {_fmt(m.get('gate_open_fraction'))}, "
        f"nucleations = {_fmt(m.get('nucleations'))}, snaps = {_fmt(m.get('snaps'))}, "
        f"recruitments = {_fmt(m.get('recruitments'))}, max energy = {_fmt(m.get('max_energy'))}, "
        f"max bound ratio = {_fmt(m.get('max_bound_ratio'))}.",
        "",
        "## Figures",
        "",
        "![Figure 1: stream metrics over time](fig1_metrics.png)",
        "",
        f"*Figure 1.* Stream metrics over time: N̄ = {_fmt(m.get('mean_N'))}, M̄ = {_fmt(m.get('mean_M'))}, "
        f"nnz̄(P) = {_fmt(m.get('mean_nnz'))}, L̄_comp = {_fmt(m.get('mean_L_comp'))}; "
        f"R̄ = {_fmt(m.get('mean_R'))} against a chance level of {_fmt(m.get('chance_R'))}; "
        f"{_fmt(m.get('births'))} births, {_fmt(m.get('mitoses'))} mitoses and "
        f"{_fmt(m.get('dissolutions'))} dissolutions in total.",
        "",
        "![Figure 2: gate capture](fig2_gate_capture.png)",
        "",
    ]
    gt = record.gate_trace
    if gt is None:
        out.append("*Figure 2.* Gate capture: no carrier lived long enough for a gate trace.")
    else:
        gate = np.asarray(gt.gate, dtype=float).reshape(-1)
        frac = float(np.mean(gate > _GATE_OPEN)) if gate.size else float("nan")
        t_gt = np.asarray(gt.t, dtype=float).reshape(-1)
        span = float(t_gt[-1] - t_gt[0]) if t_gt.size else 0.0
        out.append(
            f"*Figure 2.* Gate capture for carrier {gt.carrier_id}: over its {span:.2f} s trace the gate "
            f"was open {_fmt(100.0 * frac)} % of the time and reopened {m.get('gate_reopenings')} times."
        )
    out += ["", "![Figure 3: presence matrix snapshot](fig3_presence.png)", ""]
    snap = record.presence
    P = None if snap is None else np.asarray(snap.P, dtype=float)
    if snap is None or P is None or P.ndim != 2 or P.size == 0:
        out.append("*Figure 3.* Presence matrix snapshot: empty (no bonds at the snapshot time).")
    else:
        nnz, density = _presence_density(P)
        out.append(
            f"*Figure 3.* Presence matrix P at t = {snap.t:.2f} s: {P.shape[0]} oscillators × "
            f"{P.shape[1]} carriers, nnz = {nnz}, density = {density:.2f}."
        )
    out += ["", "![Figure 4: carrier lifetimes](fig4_lifetimes.png)", ""]
    if life.size or cens.size:
        out.append(
            f"*Figure 4.* Carrier lifetimes: {life.size} completed "
            f"(median {_fmt(m.get('median_lifetime_s'))} s, mean {_fmt(m.get('mean_lifetime_s'))} s) and "
            f"{cens.size} censored (still alive at the end)."
        )
    else:
        out.append("*Figure 4.* Carrier lifetimes: none recorded.")
    out += ["", "## Mitosis audit", ""]
    out += _mitosis_audit(record.mitosis_log)
    out += [
        "",
        "## Config",
        "",
        "<details><summary>config (JSON)</summary>",
        "",
        "```json",
        json.dumps(_jsonable(record.config), indent=2, allow_nan=False),
        "```",
        "",
        "</details>",
        "",
    ]
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------------


def _write_single(
    record: StreamRecord, out_dir: Path, paper_reference: dict[str, Any] | None
) -> tuple[dict[str, Path], dict[str, Any]]:
    out_dir.mkdir(parents=True, exist_ok=True)
    m = compute_stream_metrics(record)
    paths = {
        "metrics": _write_text(out_dir / "metrics.json", _dumps(m)),
        "timeseries": _write_text(out_dir / "timeseries.csv", _timeseries_csv(record)),
        "fig1": _fig1_metrics(record, out_dir / "fig1_metrics.png"),
        "fig2": _fig2_gate(record, out_dir / "fig2_gate_capture.png"),
        "fig3": _fig3_presence(record, out_dir / "fig3_presence.png"),
        "fig4": _fig4_lifetimes(record, out_dir / "fig4_lifetimes.png"),
    }
    paths["report"] = _write_text(out_dir / "report.md", _report_md(record, m, paper_reference))
    return paths, m


def _summary(per_seed: Sequence[dict[str, Any]]) -> dict[str, dict[str, float | int | None]]:
    """Per-key mean/std/min/max over seeds for every numeric metric (``None`` values skipped).

    ``std`` is the sample standard deviation (ddof = 1) when at least two values exist, else 0.
    """
    keys: list[str] = []
    for m in per_seed:
        for k, v in m.items():
            if (
                k not in keys
                and k != "seed"
                and (v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)))
            ):
                keys.append(k)
    out: dict[str, dict[str, float | int | None]] = {}
    for k in keys:
        vals = np.array(
            [
                float(m[k])
                for m in per_seed
                if isinstance(m.get(k), (int, float)) and not isinstance(m.get(k), bool)
            ],
            dtype=float,
        )
        if vals.size == 0:
            out[k] = {"mean": None, "std": None, "min": None, "max": None, "n": 0}
            continue
        out[k] = {
            "mean": float(np.mean(vals)),
            "std": float(np.std(vals, ddof=1)) if vals.size > 1 else 0.0,
            "min": float(np.min(vals)),
            "max": float(np.max(vals)),
            "n": int(vals.size),
        }
    return out


def _multi_report_md(
    records: Sequence[StreamRecord],
    folders: Sequence[str],
    per_seed: Sequence[dict[str, Any]],
    summary: dict[str, dict[str, Any]],
    paper_reference: dict[str, Any] | None,
) -> str:
    seeds = [r.seed for r in records]
    first = records[0]
    out = [f"# Stream report — {len(records)} seeds", ""]
    total_wall = sum(float(r.wall_seconds) for r in records)
    out.append(
        f"{len(records)} runs of the same configuration (seeds {', '.join(str(s) for s in seeds)}), each "
        f"{first.seconds:g} s of stream time at Δt = {first.dt:g} s; total wall time {_fmt(total_wall)} s. "
        "One row per seed, then mean ± std across seeds (sample std, ddof = 1). "
        "Per-seed reports and figures are in the linked folders."
    )
    out += ["", "## Table 1: Stream summary metrics per seed (time-averaged)", ""]
    out += _table1_header()
    for folder, m in zip(folders, per_seed, strict=True):
        out.append(_table1_row(f"[seed {m['seed']}]({folder}/report.md)", m))

    def mean_std(k: str) -> str:
        st = summary.get(k)
        if not st or st["mean"] is None:
            return "—"
        mean, std = float(st["mean"]), float(st["std"])
        if std < 1e-9 * max(1.0, abs(mean)):  # floating-point noise of identical values
            std = 0.0
        return f"{_fmt(mean)} ± {_fmt(std)}"

    out.append("| mean ± std | " + " | ".join(mean_std(k) for k, _ in TABLE1_COLUMNS) + " |")
    if paper_reference is not None:
        out.append(_table1_row("paper (RCS §10.2)", paper_reference))
    out += ["", "## Per-seed reports", ""]
    for folder, m in zip(folders, per_seed, strict=True):
        out.append(
            f"- seed {m['seed']}: [{folder}/report.md]({folder}/report.md), "
            f"![seed {m['seed']} Figure 1]({folder}/fig1_metrics.png)"
        )
    out += [
        "",
        "## Config (first seed)",
        "",
        "<details><summary>config (JSON)</summary>",
        "",
        "```json",
        json.dumps(_jsonable(first.config), indent=2, allow_nan=False),
        "```",
        "",
        "</details>",
        "",
    ]
    return "\n".join(out)


def write_stream_report(
    record: StreamRecord | list[StreamRecord],
    out_dir: str | Path,
    *,
    paper_reference: dict[str, Any] | None = None,
) -> dict[str, Path]:
    """Write the stream report (RCS §10.2: Table 1, Figures 1–4) for one record or several seeds.

    Args:
        record: one :class:`StreamRecord`, or a list of them (several seeds of one configuration).
        out_dir: output folder (created if needed).
        paper_reference: optional Table 1 reference values keyed like ``metrics.json``
            (e.g. ``{"mean_N": 4.7, "mean_M": 0.9, "mean_nnz": 6.9, "mean_L_comp": 7.8,
            "mitoses": 1, "dissolutions": 22}``), shown as a "paper (RCS §10.2)" row.

    Returns:
        The paths written, keyed ``metrics``, ``timeseries``, ``fig1`` … ``fig4``, ``report``
        for one record; for a list, ``metrics`` and ``report`` (the cross-seed summary) plus
        ``seed_<seed>/<key>`` for every per-seed file.
    """
    out = Path(out_dir)
    if isinstance(record, StreamRecord):
        paths, _ = _write_single(record, out, paper_reference)
        return paths

    records = list(record)
    if not records:
        raise ValueError("write_stream_report needs at least one StreamRecord")
    if not all(isinstance(r, StreamRecord) for r in records):
        raise TypeError("write_stream_report expects a StreamRecord or a list of StreamRecord")
    out.mkdir(parents=True, exist_ok=True)
    all_paths: dict[str, Path] = {}
    folders: list[str] = []
    per_seed: list[dict[str, Any]] = []
    for i, r in enumerate(records):
        folder = f"seed_{r.seed}"
        if folder in folders:  # duplicate seed: keep every run
            folder = f"seed_{r.seed}_{i}"
        folders.append(folder)
        paths, m = _write_single(r, out / folder, paper_reference)
        per_seed.append(m)
        all_paths.update({f"{folder}/{k}": p for k, p in paths.items()})

    summary = _summary(per_seed)
    top = {
        "n_seeds": len(records),
        "seeds": [int(r.seed) for r in records],
        "folders": folders,
        "summary": summary,
        "per_seed": per_seed,
        "config": records[0].config,
    }
    if paper_reference is not None:
        top["paper_reference"] = paper_reference
    all_paths["metrics"] = _write_text(out / "metrics.json", _dumps(top))
    all_paths["report"] = _write_text(
        out / "report.md", _multi_report_md(records, folders, per_seed, summary, paper_reference)
    )
    return all_paths
