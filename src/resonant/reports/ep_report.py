"""Report of the EP gradient-identity check (:func:`resonant.experiments.ep_verify.verify`).

Takes the plain result dict (``records``, ``beta_study``, ``config``); it never imports the solver, so a
report can be rebuilt from a saved ``results.json``. :func:`write_verify_report` writes into ``out_dir``
(atomically, file by file):

* ``results.json`` -- the result dict plus a ``summary`` (worst cosine, max residuals, slopes);
* ``report.md`` -- the gradient-identity table (per N: residual, λ_min, cosines of each route
  against the analytic gradient), a precision table (1 − cos, relative errors), the finite-β study;
* ``fig_cosine.png`` -- 1 − cosine and relative error per N per route (log axes);
* ``fig_beta.png`` -- EP error against β (log-log) with slope-1 and slope-2 guide lines.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from resonant.reports.common import jsonable as _jsonable
from resonant.reports.common import new_figure as _new_figure
from resonant.reports.common import save_figure as _save_figure
from resonant.reports.common import write_text as _write_text

__all__ = ["ROUTE_LABELS", "summarize", "write_verify_report"]

#: route key -> label used in tables and legends
ROUTE_LABELS: dict[str, str] = {
    "ep": "EP (one-sided)",
    "ep_symmetric": "EP (symmetric ±β)",
    "fd": "finite differences",
    "autograd": "autograd (implicit)",
}
#: the published agreement (method notes): cosine ≥ 0.99999998, residuals ≤ 1e-13
PUBLISHED = {"min_cosine": 0.99999998, "max_residual": 1e-13}
COSINE_THRESHOLD = 0.9999999
_FLOOR = 1e-17  # where 1 − cos ≤ 0 (rounding) is drawn on a log axis
_DPI = 150


# --------------------------------------------------------------------------------------------------
# I/O helpers
# --------------------------------------------------------------------------------------------------










# --------------------------------------------------------------------------------------------------
# summary
# --------------------------------------------------------------------------------------------------


def _routes(records: list[dict[str, Any]]) -> list[str]:
    return [r for r in ROUTE_LABELS if records and f"cos_{r}_analytic" in records[0]]


def summarize(result: dict[str, Any]) -> dict[str, Any]:
    """Worst cosine (and where), max residuals, stability, and the β-study slopes of a result dict."""
    records = list(result.get("records", []))
    if not records:
        raise ValueError("the result has no records")
    worst = (math.inf, None, None)
    for rec in records:
        for route in _routes(records):
            c = rec[f"cos_{route}_analytic"]
            if c < worst[0]:
                worst = (c, route, rec["N"])
    out: dict[str, Any] = {
        "min_cosine": worst[0],
        "min_cosine_route": worst[1],
        "min_cosine_N": worst[2],
        "max_residual": max(r["residual"] for r in records),
        "max_residual_nudged": max(r.get("residual_nudged", 0.0) for r in records),
        "min_lambda_min": min(r["lambda_min"] for r in records),
        "all_stable": all(bool(r.get("stable", True)) for r in records),
        "max_rel_err": {route: max(r[f"rel_err_{route}"] for r in records) for route in _routes(records)},
        "wall_seconds": sum(r["wall_seconds"] for r in records),
    }
    bs = result.get("beta_study") or {}
    for key in ("slope_one_sided", "slope_symmetric"):
        if key in bs:
            out[key] = bs[key]
    return out


# --------------------------------------------------------------------------------------------------
# markdown
# --------------------------------------------------------------------------------------------------


def _one_minus(c: float) -> str:
    d = 1.0 - c
    return f"{d:.1e}" if d > 0 else f"≤ 0 ({d:.0e})" if d < 0 else "0"


def _report_md(result: dict[str, Any], summary: dict[str, Any]) -> str:
    records = result["records"]
    routes = _routes(records)
    cfg = result.get("config", {})
    beta_id = cfg.get("beta_identity", "?")
    lines = [
        "# EP gradient identity: four routes, one gradient",
        "",
        "Kuramoto networks `random_network(N, seed=seed + N)` (seed "
        f"{cfg.get('seed', '?')}), loss ½ Σ_o (θ_o − t_o)² with targets −0.2/+0.2 on the two outputs, at the "
        "free equilibrium (float64; frame rotating at the mean ω, node 0 pinned at phase 0). Each route's gradient "
        "of L with respect to all parameters (the N frequencies and the E edge weights) is compared with the "
        "analytic implicit-function gradient ∂L/∂ω = centred L̃⁻¹ ∂L/∂θ̃. "
        f"EP uses β = {beta_id} (one-sided, error O(β)) and ±β (symmetric, O(β²)); finite differences are "
        f"central with ε = {cfg.get('fd_eps', '?')}; autograd differentiates through the equilibrium implicitly.",
        "",
        f"**Worst cosine measured: {summary['min_cosine']:.16f}** ({ROUTE_LABELS.get(summary['min_cosine_route'])}"
        f" at N = {summary['min_cosine_N']}); **max equilibrium residual max|F̃|: {summary['max_residual']:.1e}** "
        f"(nudged phases: {summary['max_residual_nudged']:.1e}); smallest stability eigenvalue λ_min(L̃) = "
        f"{summary['min_lambda_min']:.3g} ({'all equilibria stable' if summary['all_stable'] else 'NOT all stable'})."
        f" Published: cosine ≥ {PUBLISHED['min_cosine']}, residuals ≤ {PUBLISHED['max_residual']:.0e}.",
        "",
        "## Gradient-identity table",
        "",
        "| N | edges | residual | λ_min | " + " | ".join(f"cos {ROUTE_LABELS[r]}" for r in routes) + " | wall (s) |",
        "|---:|---:|---:|---:|" + "---:|" * len(routes) + "---:|",
    ]
    for rec in records:
        cells = [str(rec["N"]), str(rec.get("edges", "")), f"{rec['residual']:.1e}", f"{rec['lambda_min']:.3g}"]
        cells += [f"{rec[f'cos_{r}_analytic']:.16f}" for r in routes]
        cells.append(f"{rec['wall_seconds']:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "Cosines over all N + E parameters, printed to 16 decimals. The same at full precision, as 1 − cos and as "
        "the relative error ‖g − g_analytic‖ / ‖g_analytic‖ (1 − cos ≤ 0 is rounding):",
        "",
        "| N | " + " | ".join(f"1 − cos {ROUTE_LABELS[r]}" for r in routes) + " | "
        + " | ".join(f"rel. err. {ROUTE_LABELS[r]}" for r in routes) + " |",
        "|---:|" + "---:|" * (2 * len(routes)),
    ]
    for rec in records:
        cells = [str(rec["N"])] + [_one_minus(rec[f"cos_{r}_analytic"]) for r in routes]
        cells += [f"{rec[f'rel_err_{r}']:.1e}" for r in routes]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "The cosine is a blunt test: 1 − cos ≈ ½ ‖e_⊥‖² / ‖g‖² is quadratic in the error component e_⊥ "
        "perpendicular to g, so a relative error of 1e-7 can show as 1 − cos ~ 1e-14. The relative error is the "
        f"sharper measure; for one-sided EP at β = {beta_id} it is the method's O(β) bias, not a numerical error. "
        "The symmetric variant's O(β²) bias is far below rounding at that β: its error there is the phases' "
        "rounding error divided by 2β (the finite-β study below shows its β² law at larger β).",
        "",
        "![1 − cosine and relative error per N](fig_cosine.png)",
        "",
    ]
    bs = result.get("beta_study")
    if bs:
        lines += [
            f"## Finite-β study (N = {bs['N']}, seed {bs['seed']})",
            "",
            f"Fitted log-log slopes of the relative error against β: **one-sided {bs['slope_one_sided']:.3f}** "
            f"(theory 1), **symmetric {bs['slope_symmetric']:.3f}** (theory 2)"
            + (f"; ω-gradient alone: {bs['slope_one_sided_omega']:.3f} and {bs['slope_symmetric_omega']:.3f}"
               if "slope_one_sided_omega" in bs else "") + ".",
            "",
            "| β | rel. err. one-sided | rel. err. symmetric | cos one-sided | cos symmetric | "
            "‖g_EP‖/‖g‖ one-sided | ‖g_EP‖/‖g‖ symmetric |",
            "|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in bs["rows"]:
            lines.append(
                f"| {row['beta']:.1e} | {row['rel_err_one_sided']:.2e} | {row['rel_err_symmetric']:.2e} | "
                f"{row['cos_one_sided']:.10f} | {row['cos_symmetric']:.10f} | {row['norm_ratio_one_sided']:.6f} | "
                f"{row['norm_ratio_symmetric']:.6f} |")
        lines += ["", "![EP error against β](fig_beta.png)", ""]
    lines += ["## Configuration", "", "```json", json.dumps(_jsonable(cfg), indent=2), "```", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------------------------------

_MARKERS = {"ep": "o", "ep_symmetric": "s", "fd": "^", "autograd": "D"}


def _fig_cosine(result: dict[str, Any], path: Path) -> Path:
    records = result["records"]
    Ns = np.array([r["N"] for r in records], dtype=float)
    fig = _new_figure((11.0, 4.2))
    ax1, ax2 = fig.subplots(1, 2)
    for route in _routes(records):
        d = np.array([1.0 - r[f"cos_{route}_analytic"] for r in records])
        ax1.plot(Ns, np.maximum(d, _FLOOR), marker=_MARKERS[route], label=ROUTE_LABELS[route])
        e = np.array([r[f"rel_err_{route}"] for r in records])
        ax2.plot(Ns, np.maximum(e, _FLOOR), marker=_MARKERS[route], label=ROUTE_LABELS[route])
    ax1.axhline(1 - COSINE_THRESHOLD, color="k", ls="--", lw=1, label=f"cos = {COSINE_THRESHOLD}")
    ax1.axhline(1 - PUBLISHED["min_cosine"], color="0.5", ls=":", lw=1,
                label=f"published cos ≥ {PUBLISHED['min_cosine']}")
    ax1.axhline(np.finfo(float).eps, color="r", ls="-.", lw=1, label="float64 ε")
    ax1.set_title(f"1 − cosine with the analytic gradient (≤ 0 drawn at {_FLOOR:.0e})")
    ax1.set_ylabel("1 − cos(g_route, g_analytic)")
    ax2.set_title("Relative error ‖g − g_analytic‖ / ‖g_analytic‖")
    ax2.set_ylabel("relative error")
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("network size N (nodes)")
        ax.set_xticks(Ns, [str(int(n)) for n in Ns])
        ax.minorticks_off()
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(fontsize=7, loc="best")
    return _save_figure(fig, path)


def _fig_beta(bs: dict[str, Any], path: Path) -> Path:
    rows = bs["rows"]
    b = np.array([r["beta"] for r in rows])
    e1 = np.array([r["rel_err_one_sided"] for r in rows])
    e2 = np.array([r["rel_err_symmetric"] for r in rows])
    fig = _new_figure((6.4, 4.8))
    ax = fig.subplots()
    ax.loglog(b, e1, "o-", label=f"one-sided EP (slope {bs['slope_one_sided']:.3f})")
    ax.loglog(b, e2, "s-", label=f"symmetric ±β EP (slope {bs['slope_symmetric']:.3f})")
    mid = len(b) // 2
    ax.loglog(b, e1[mid] * 3 * (b / b[mid]), "k--", lw=1, label="slope 1 guide")
    ax.loglog(b, e2[mid] * 3 * (b / b[mid]) ** 2, "k:", lw=1, label="slope 2 guide")
    ax.set_xlabel("nudging strength β")
    ax.set_ylabel("relative error ‖g_EP − g_analytic‖ / ‖g_analytic‖")
    ax.set_title(f"EP gradient error against β (N = {bs['N']})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return _save_figure(fig, path)


# --------------------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------------------


def write_verify_report(result: dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write results.json, report.md, fig_cosine.png and (with a β study) fig_beta.png into ``out_dir``.

    Returns the paths written, keyed ``results``, ``report``, ``fig_cosine``, ``fig_beta``.
    """
    if not isinstance(result, dict) or not result.get("records"):
        raise ValueError("write_verify_report needs a result dict with a non-empty 'records' list")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = summarize(result)
    data = {"records": result["records"], "beta_study": result.get("beta_study") or {},
            "config": result.get("config") or {}, "summary": summary}
    writers: list[tuple[str, Callable[[], Path]]] = [
        ("results", lambda: _write_text(out / "results.json",
                                        json.dumps(_jsonable(data), indent=2, allow_nan=False) + "\n")),
        ("fig_cosine", lambda: _fig_cosine(result, out / "fig_cosine.png")),
    ]
    if result.get("beta_study"):
        writers.append(("fig_beta", lambda: _fig_beta(result["beta_study"], out / "fig_beta.png")))
    writers.append(("report", lambda: _write_text(out / "report.md", _report_md(result, summary))))
    return {key: write() for key, write in writers}


# --------------------------------------------------------------------------------------------------
# ablation report (omega-only vs K-only vs both)
# --------------------------------------------------------------------------------------------------


def _fmt(v: Any, spec: str = ".3f") -> str:
    return "—" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)


_QUANTILES = (0.0, 0.05, 0.25, 0.5, 0.75, 1.0)


def _readout_note(cfg: dict[str, Any]) -> str:
    targets = cfg.get("targets", "differential")
    if targets == "common":
        return ("Targets `common` (ours): both outputs at −0.2 for the first vowel and +0.2 for the second; "
                "`consistent` = the class whose target vector is nearest (sign of θ_out1 + θ_out2). The `paper` "
                "readout argmax_o cos θ_o compares the two outputs, which these targets ask to be equal: it is "
                "listed for completeness only and is not a readout of this loss.")
    return ("Targets `differential` (the paper's): −0.2 on the correct class's output, +0.2 on the other; readouts "
            "`paper` = argmax_o cos θ_o, `consistent` = the class whose target vector is nearest (argmin_o θ_o, "
            "consistent with the loss).")


def _training_line(cfg: dict[str, Any]) -> str:
    opt = cfg.get("optimizer", "sgd")
    bs = cfg.get("batch_size", 1)
    mode = "online (batch 1)" if bs == 1 else f"mini-batch {bs}"
    params = cfg.get("optimizer_params") or {}
    extra = (" (" + ", ".join(f"{k} {v}" for k, v in params.items()) + ")") if params else ""
    return f"{cfg['epochs']} epochs, {mode}, optimiser {opt}{extra}, lr {cfg['lr']}, β {cfg['beta']}"


def _ablation_md(result: dict[str, Any]) -> str:
    cfg = result["config"]
    single = len(cfg["seeds"]) == 1 and len(cfg["conditions"]) == 1
    title = (f"# EP training run: seed {cfg['seeds'][0]}, {cfg['conditions'][0]} learns" if single
             else "# EP ablation: ω-only vs K-only vs both")
    seeds = cfg["seeds"]
    seed_text = f"seeds {seeds[0]}–{seeds[-1]}" if len(seeds) > 1 and seeds == list(range(seeds[0], seeds[-1] + 1)) \
        else f"seeds {seeds}"
    strict = cfg.get("strict_train_acc", 0.9)
    lines = [
        title,
        "",
        f"Vowels {cfg['pair'][0]!s} vs {cfg['pair'][1]!s} from `{cfg['data']}`; {len(seeds)} seeds ({seed_text}) × "
        f"{len(cfg['conditions'])} conditions = {cfg['runs']} runs trained together (one batched equilibrium solve "
        f"per step); {_training_line(cfg)}; initial frequencies {cfg.get('seeding', 'random')}; wall time "
        f"{result['wall_seconds']:.1f} s. \"Converged\" = final train accuracy > "
        f"{cfg.get('converged_train_acc', 0.6)} (the paper's definition), \"strict\" = final train accuracy ≥ "
        f"{strict}, under each readout. Test accuracies are on each seed's held-out 20 %.",
        "",
        _readout_note(cfg),
        "",
        "\"Untrained\" applies the same criteria to the initial networks (before the first update): a criterion "
        "that the untrained networks already meet does not measure learning.",
        "",
        "| condition | readout | converged / seeds | strict (≥ " + f"{strict}) | untrained: converged, strict | "
        "mean train acc: untrained → final | "
        "mean test acc (converged) | mean test acc (all) | median test acc (all) | published converged | "
        "published acc (converged) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    conv_thr = cfg.get("converged_train_acc", 0.6)
    for r in result["records"]:
        pub = r.get("published") or {}
        pub_conv = f"{pub['converged']} / {pub.get('of', 100)}" if "converged" in pub else "—"
        init = r.get("initial_train_acc")
        if init is not None:
            a0 = np.asarray(init, dtype=float)
            untrained = f"{int((a0 > conv_thr).sum())}, {int((a0 >= strict).sum())}"
            trend = f"{a0.mean():.3f} → {np.mean(r['train_acc']):.3f}"
        else:
            untrained, trend = "—", f"— → {np.mean(r['train_acc']):.3f}"
        lines.append(
            f"| {r['condition']} | {r['readout']} | {r['converged']} / {r['n_seeds']} | "
            f"{r.get('converged_strict', '—')} / {r['n_seeds']} | {untrained} | {trend} | "
            f"{_fmt(r['mean_test_acc_converged'])} | {_fmt(r['mean_test_acc_all'])} | "
            f"{_fmt(r['median_test_acc_all'])} | {pub_conv} | {_fmt(pub.get('mean_test_acc_converged'))} |")
    b = result.get("baseline")
    if b:
        train_txt = f", train accuracy {b['mean_train_acc']:.3f}" if "mean_train_acc" in b else ""
        lines += ["", f"Baseline, {b['method']}: mean test accuracy {b['mean_test_acc']:.3f}{train_txt} over "
                  f"{b['n_seeds']} seeds (published: {_fmt(b.get('published'), '.2f')})."]
        lines += _distribution_md(result)
    if result.get("welch"):
        lines += ["", "Welch t-test, converged test accuracies, ω-only vs K-only (or K-matched):", ""]
        for kind, w in result["welch"].items():
            lines.append(f"- readout `{kind}`: t = {w['t']:.3f}, p = {w['p']:.3g} (n = {w['n_omega']} vs {w['n_K']})")
    lines += ["", "![test accuracy per condition](fig_ablation_acc.png)", "",
              "![training curves](fig_ablation_curves.png)", ""]
    if b and len(seeds) > 1:
        lines += ["![test accuracy distribution against logistic regression](fig_ablation_vs_logreg.png)", ""]
    lines += ["## Configuration", "", "```json", json.dumps(_jsonable(cfg), indent=1), "```", ""]
    return "\n".join(lines) + "\n"


def _distribution_md(result: dict[str, Any]) -> list[str]:
    """Test-accuracy quantiles per condition and readout against logistic regression, and the paired per-seed
    difference (same split). The paper's readout is left out for the common targets (not a readout of them)."""
    b = result["baseline"]
    lr = np.asarray(b["test_acc"], dtype=float)
    common = result["config"].get("targets", "differential") == "common"
    qs = " | ".join(f"q{int(q * 100)}" if 0 < q < 1 else ("min" if q == 0 else "max") for q in _QUANTILES)
    lines = ["", "Test-accuracy distribution over seeds against logistic regression (LR) on the same splits; "
             "Δ = EP − LR per seed:", "",
             f"| method | readout | mean | {qs} | mean Δ | seeds with EP ≥ LR |",
             "|---|---|---:|" + "---:|" * (len(_QUANTILES) + 2)]
    for r in result["records"]:
        if common and r["readout"] == "paper":
            continue
        acc = np.asarray(r["test_acc"], dtype=float)
        q = " | ".join(f"{v:.3f}" for v in np.quantile(acc, _QUANTILES))
        d = acc - lr
        lines.append(f"| {r['condition']} | {r['readout']} | {acc.mean():.3f} | {q} | {d.mean():+.3f} | "
                     f"{int((d >= -1e-12).sum())} / {len(d)} |")
    q = " | ".join(f"{v:.3f}" for v in np.quantile(lr, _QUANTILES))
    lines.append(f"| logistic regression | — | {lr.mean():.3f} | {q} | — | — |")
    return lines


def _fig_ablation_acc(result: dict[str, Any], path: Path) -> Path:
    fig = _new_figure((8.0, 4.0))
    axes = fig.subplots(1, 2, sharey=True)
    for ax, kind in zip(axes, ("paper", "consistent"), strict=True):
        recs = [r for r in result["records"] if r["readout"] == kind]
        data = [r["test_acc"] for r in recs]
        ax.boxplot(data, tick_labels=[r["condition"] for r in recs], showfliers=False)
        for i, d in enumerate(data):
            x = np.full(len(d), i + 1.0) + np.linspace(-0.15, 0.15, len(d))
            ax.plot(x, d, ".", alpha=0.5, markersize=3)
        ax.axhline(0.6, ls="--", lw=0.8, color="gray", label="convergence threshold (train)")
        ax.set_title(f"readout: {kind}")
        ax.set_xlabel("trained parameters")
    axes[0].set_ylabel("test accuracy (fraction)")
    axes[0].legend(loc="lower left", fontsize=8)
    return _save_figure(fig, path)


def _fig_ablation_curves(result: dict[str, Any], path: Path) -> Path:
    fig = _new_figure((8.0, 4.0))
    axes = fig.subplots(1, 2)
    for c, cur in result["curves"].items():
        axes[0].plot(cur["epoch"], cur["train_loss"], marker="o", ms=3, label=c)
        for kind, ls in (("paper", "-"), ("consistent", "--")):
            axes[1].plot(cur["epoch"], cur[f"train_acc_{kind}"], ls=ls, label=f"{c}, {kind}")
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("mean train loss")
    axes[0].legend(fontsize=8)
    axes[1].set_xlabel("epoch")
    axes[1].set_ylabel("mean train accuracy (fraction)")
    axes[1].legend(fontsize=7)
    return _save_figure(fig, path)


def _fig_ablation_vs_logreg(result: dict[str, Any], path: Path) -> Path:
    """Empirical CDF of the test accuracy over seeds per condition and readout (the paper's readout left out for the
    common targets) and of logistic regression on the same splits (left); per-seed EP against LR (right)."""
    lr = np.asarray(result["baseline"]["test_acc"], dtype=float)
    fig = _new_figure((10.0, 4.2))
    ax1, ax2 = fig.subplots(1, 2)

    def ecdf(ax, x: np.ndarray, **kw: Any) -> None:
        xs = np.sort(x)
        ax.step(np.concatenate([[0.0], xs, [1.0]]), np.concatenate([[0.0], np.arange(1, len(xs) + 1) / len(xs),
                                                                    [1.0]]), where="post", **kw)

    common = result["config"].get("targets", "differential") == "common"
    recs = [r for r in result["records"] if not (common and r["readout"] == "paper")]  # paper: no readout of these
    for r in recs:
        acc = np.asarray(r["test_acc"], dtype=float)
        label = f"{r['condition']}, {r['readout']}"
        ecdf(ax1, acc, label=label, ls="-" if r["readout"] == "consistent" else ":")
        ax2.plot(lr + np.linspace(-0.004, 0.004, len(lr)), acc, "." if r["readout"] == "consistent" else "x",
                 alpha=0.6, label=label)
    ecdf(ax1, lr, label="logistic regression", color="k", ls="--")
    ax1.set_xlabel("test accuracy (fraction)")
    ax1.set_ylabel("fraction of seeds with accuracy ≤ x")
    ax1.set_title("test accuracy over seeds (condition, readout)")
    ax1.legend(fontsize=7, loc="upper left")
    lo = float(min(lr.min(), *(min(r["test_acc"]) for r in recs)))
    ax2.plot([lo, 1], [lo, 1], "k:", lw=1, label="EP = LR")
    ax2.set_xlabel("logistic regression test accuracy (same split)")
    ax2.set_ylabel("EP test accuracy")
    ax2.set_title("per seed (x jittered by ±0.004)")
    ax2.legend(fontsize=7, loc="lower right")
    for ax in (ax1, ax2):
        ax.grid(True, alpha=0.3)
    return _save_figure(fig, path)


def write_ablation_report(result: dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write results.json, report.md and the figures for an ablation result (from experiments.ep_ablation)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"results": _write_text(out / "results.json", json.dumps(_jsonable(result), indent=1))}
    paths["fig_acc"] = _fig_ablation_acc(result, out / "fig_ablation_acc.png")
    paths["fig_curves"] = _fig_ablation_curves(result, out / "fig_ablation_curves.png")
    if result.get("baseline") and len(result["config"]["seeds"]) > 1:
        paths["fig_vs_logreg"] = _fig_ablation_vs_logreg(result, out / "fig_ablation_vs_logreg.png")
    paths["report"] = _write_text(out / "report.md", _ablation_md(result))
    return paths
