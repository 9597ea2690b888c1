"""Command line: a thin shell over the library (parse, call, say where the files went)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="resonant: learning in networks of coupled oscillators.")
console = Console(stderr=True)


@app.callback()
def _root() -> None:
    """resonant: learning in networks of coupled oscillators (RCS, EP, DRAI)."""


def _progress_bar(description: str) -> Progress:
    return Progress(TextColumn(f"[bold]{description}"), BarColumn(), TextColumn("{task.percentage:>5.1f}%"),
                    TextColumn("{task.completed}/{task.total} steps"), TimeElapsedColumn(), TimeRemainingColumn(),
                    console=console, transient=False)


@app.command()
def stream(
    seconds: Annotated[float, typer.Option(min=0.0, help="simulated seconds")] = 60.0,
    seed: Annotated[int, typer.Option(min=0, help="seed of the stream and the engine")] = 0,
    n_seeds: Annotated[int, typer.Option(min=1, help="run seeds seed … seed+n_seeds−1 and add a summary")] = 1,
    dt: Annotated[float, typer.Option(help="integration step (s), in (0, 1]")] = 0.005,
    out: Annotated[Path, typer.Option(help="output folder")] = Path("stream-report"),
    device: Annotated[str, typer.Option(help="cpu or cuda")] = "cpu",
    config: Annotated[Optional[Path], typer.Option(help="JSON file of RCSConfig overrides")] = None,  # noqa: UP045
    checkpoint: Annotated[Optional[Path], typer.Option(help="checkpoint file (saved every 10 s)")] = None,  # noqa: UP045
    resume: Annotated[bool, typer.Option(help="resume from --checkpoint if it exists")] = False,
    threads: Annotated[int, typer.Option(min=1, help="torch intra-op threads")] = 1,
) -> None:
    """Run the RCS engine on the paper's stream (§10) and write report.md, figures, metrics.json."""
    import torch

    from resonant.core.errors import ConfigError
    from resonant.experiments.stream import PAPER_TABLE_1, run_stream
    from resonant.rcs.config import RCSConfig
    from resonant.reports import write_stream_report

    torch.set_num_threads(threads)
    try:
        overrides = {}
        if config is not None:
            if not config.is_file():
                raise typer.BadParameter(f"config file not found: {config}", param_hint="--config")
            try:
                overrides = json.loads(config.read_text())
            except json.JSONDecodeError as exc:
                raise typer.BadParameter(f"{config} is not valid JSON: {exc}", param_hint="--config") from exc
            if not isinstance(overrides, dict):
                raise typer.BadParameter(f"{config} must hold a JSON object of RCSConfig fields",
                                         param_hint="--config")
        cfg = RCSConfig.from_dict({**RCSConfig().to_dict(), **overrides, "dt": dt})
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from exc
    if resume and checkpoint is None:
        raise typer.BadParameter("--resume needs --checkpoint FILE", param_hint="--resume")
    if n_seeds > 1 and checkpoint is not None:
        raise typer.BadParameter("--checkpoint works with a single seed", param_hint="--n-seeds")
    records = []
    for sd in range(seed, seed + n_seeds):
        with _progress_bar(f"stream seed={sd}") as bar:
            task = bar.add_task("run", total=int(round(seconds / dt)))
            try:
                records.append(run_stream(
                    seconds=seconds, seed=sd, dt=dt, config=cfg, device=device,
                    progress=lambda done, total, task=task, bar=bar: bar.update(task, completed=done, total=total),
                    checkpoint=checkpoint, resume=resume))
            except ValueError as exc:  # e.g. a checkpoint made with another seed or config
                raise typer.BadParameter(str(exc)) from exc
    paths = write_stream_report(records[0] if n_seeds == 1 else records, out, paper_reference=PAPER_TABLE_1)
    metrics = json.loads(Path(paths["metrics"]).read_text())
    if n_seeds == 1:
        def fmt(v: object) -> str:
            return f"{v:.2f}" if isinstance(v, (int, float)) else "n/a"

        console.print(f"[green]wrote[/green] {out}/report.md  (N̄={fmt(metrics['mean_N'])}, "
                      f"M̄={fmt(metrics['mean_M'])}, mitoses={metrics['mitoses']}, "
                      f"dissolutions={metrics['dissolutions']}, wall={fmt(metrics['wall_seconds'])} s)")
    else:
        console.print(f"[green]wrote[/green] {out}/report.md and {n_seeds} seed folders")


ep_app = typer.Typer(add_completion=False, no_args_is_help=True,
                     help="Equilibrium propagation for natural-frequency learning (arXiv 2604.10272).")
app.add_typer(ep_app, name="ep")


@ep_app.command("verify")
def ep_verify(
    out: Annotated[Path, typer.Option(help="output folder (results.json, report.md, figures)")],
    seed: Annotated[int, typer.Option(min=0, help="base seed: network N is random_network(N, seed=seed+N)")] = 0,
    max_n: Annotated[int, typer.Option(min=6, help="largest network size of 6, 10, 15, 20, 50, 100, 200")] = 200,
    threads: Annotated[int, typer.Option(min=1, help="torch intra-op threads")] = 1,
) -> None:
    """Check the gradient identity: EP, analytic, finite differences and autograd agree, per N; EP error vs β."""
    import torch

    from resonant.experiments.ep_verify import DEFAULT_NS, verify
    from resonant.reports.ep_report import write_verify_report

    torch.set_num_threads(threads)
    Ns = tuple(n for n in DEFAULT_NS if n <= max_n)
    with _progress_bar(f"ep verify N={','.join(map(str, Ns))} + β study") as bar:
        task = bar.add_task("verify", total=len(Ns) + 1)
        result = verify(Ns=Ns, seed=seed,
                        progress=lambda done, total: bar.update(task, completed=done, total=total))
    paths = write_verify_report(result, out)
    summary = json.loads(Path(paths["results"]).read_text())["summary"]
    console.print(f"[green]wrote[/green] {', '.join(str(p) for p in paths.values())}")
    console.print(f"worst cosine {summary['min_cosine']:.16f} ({summary['min_cosine_route']}, "
                  f"N={summary['min_cosine_N']}), max residual {summary['max_residual']:.1e}, "
                  f"slopes {summary.get('slope_one_sided', float('nan')):.3f} / "
                  f"{summary.get('slope_symmetric', float('nan')):.3f}, wall {summary['wall_seconds']:.1f} s")


#: The vowel-data options shared by the EP commands.
VowelCSV = Annotated[Path, typer.Option(help="CSV of vowel formants with columns vowel,F1,F2 (Hz)")]
SyntheticFallback = Annotated[bool, typer.Option(
    help="if the CSV is absent, use vowels sampled from the published Hillenbrand et al. (1995) means "
         "(labelled synthetic) instead of stopping")]


@ep_app.command("ablation")
def ep_ablation(
    out: Annotated[Path, typer.Option(help="output folder (results.json, report.md, figures)")],
    data: VowelCSV,
    synthetic_fallback: SyntheticFallback = False,
    seeds: Annotated[int, typer.Option(min=1, help="number of seeds (0 … seeds−1)")] = 100,
    epochs: Annotated[int, typer.Option(min=0, help="epochs of online SGD")] = 150,
    pair: Annotated[str, typer.Option(help="vowel pair, e.g. a,i or o,u")] = "a,i",
    seeding: Annotated[str, typer.Option(help="initial frequencies: random or spectral")] = "random",
    conditions: Annotated[str, typer.Option(help="comma list of omega, K, both, K-matched")] = "omega,K,both",
    threads: Annotated[int, typer.Option(min=1, help="torch intra-op threads")] = 1,
    first_seed: Annotated[int, typer.Option(min=0, help="seeds are first_seed … first_seed+seeds−1")] = 0,
    targets: Annotated[str, typer.Option(help="differential (paper: ∓0.2 on the two outputs) or common "
                                              "(ours: both outputs −0.2 / +0.2 per class)")] = "differential",
    optimizer: Annotated[str, typer.Option(help="sgd (paper), momentum or adam")] = "sgd",
    lr: Annotated[float, typer.Option(help="learning rate (paper: 1e-3)")] = 1e-3,
    batch_size: Annotated[int, typer.Option(help="samples per update (1 = online, as published)")] = 1,
    momentum: Annotated[float, typer.Option(help="momentum μ (optimizer momentum)")] = 0.9,
) -> None:
    """The paper's ablation: ω-only vs K-only vs both, all seeds × conditions trained in one batch."""
    import torch

    from resonant.datasets import load_vowels
    from resonant.ep.training import TrainConfig
    from resonant.experiments.ep_ablation import CONDITIONS, ablation
    from resonant.reports.ep_report import write_ablation_report

    torch.set_num_threads(threads)
    vowels = tuple(v.strip() for v in pair.split(","))
    if len(vowels) != 2:
        raise typer.BadParameter(f"pair must name two vowels like 'a,i', got {pair!r}", param_hint="--pair")
    try:
        cfg = TrainConfig(epochs=epochs, lr=lr, targets=targets, optimizer=optimizer, batch_size=batch_size,
                          momentum=momentum)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    try:
        dataset = load_vowels(data, fallback=synthetic_fallback)
    except (FileNotFoundError, ValueError) as exc:
        raise typer.BadParameter(str(exc), param_hint="--data") from exc
    with _progress_bar(f"ep ablation {seeds} seeds") as bar:
        task = bar.add_task("epochs", total=epochs)
        if seeding not in ("random", "spectral"):
            raise typer.BadParameter(f"seeding must be random or spectral, got {seeding!r}", param_hint="--seeding")
        conds = tuple(c.strip() for c in conditions.split(","))
        if any(c not in CONDITIONS for c in conds):
            raise typer.BadParameter(f"conditions must be from {CONDITIONS}, got {conditions!r}",
                                     param_hint="--conditions")
        result = ablation(dataset, pair=(vowels[0], vowels[1]), seeds=range(first_seed, first_seed + seeds), cfg=cfg,
                          eval_every=max(1, epochs // 15), seeding=seeding, conditions=conds,
                          progress=lambda done, total: bar.update(task, completed=done, total=total))
    paths = write_ablation_report(result, out)
    console.print(f"[green]wrote[/green] {paths['report']} (wall {result['wall_seconds']:.1f} s)")


@ep_app.command("train")
def ep_train(
    out: Annotated[Path, typer.Option(help="output folder (results.json, report.md, figures, network.npz)")],
    data: VowelCSV,
    synthetic_fallback: SyntheticFallback = False,
    seed: Annotated[int, typer.Option(min=0, help="seed of the network, the split and the sample order")] = 0,
    condition: Annotated[str, typer.Option(help="what learns: omega, K or both")] = "omega",
    epochs: Annotated[int, typer.Option(min=0, help="epochs of online SGD")] = 200,
    lr: Annotated[float, typer.Option(min=0.0, help="learning rate")] = 1e-3,
    pair: Annotated[str, typer.Option(help="vowel pair, e.g. a,i or o,u")] = "a,i",
    seeding: Annotated[str, typer.Option(help="initial frequencies: random or spectral")] = "random",
    targets: Annotated[str, typer.Option(help="differential (paper) or common (ours)")] = "differential",
    optimizer: Annotated[str, typer.Option(help="sgd (paper), momentum or adam")] = "sgd",
    batch_size: Annotated[int, typer.Option(help="samples per update (1 = online, as published)")] = 1,
) -> None:
    """Train one network by EP (default: online SGD, the paper's protocol) and report curves under both readouts."""
    import torch

    from resonant.datasets import load_vowels
    from resonant.ep.network import Network, layered_network
    from resonant.ep.training import TrainConfig
    from resonant.experiments.ep_ablation import CONDITIONS, ablation
    from resonant.reports.ep_report import write_ablation_report

    torch.set_num_threads(1)
    vowels = tuple(v.strip() for v in pair.split(","))
    if len(vowels) != 2:
        raise typer.BadParameter(f"pair must name two vowels like 'a,i', got {pair!r}", param_hint="--pair")
    if condition not in CONDITIONS:
        raise typer.BadParameter(f"condition must be one of {CONDITIONS}, got {condition!r}", param_hint="--condition")
    if seeding not in ("random", "spectral"):
        raise typer.BadParameter(f"seeding must be random or spectral, got {seeding!r}", param_hint="--seeding")
    try:
        dataset = load_vowels(data, fallback=synthetic_fallback)
        cfg = TrainConfig(epochs=epochs, lr=lr, targets=targets, optimizer=optimizer, batch_size=batch_size)
    except (FileNotFoundError, ValueError) as exc:
        raise typer.BadParameter(str(exc)) from exc
    with _progress_bar(f"ep train seed={seed} {condition}") as bar:
        task = bar.add_task("epochs", total=epochs)
        result = ablation(dataset, pair=(vowels[0], vowels[1]), seeds=[seed], conditions=(condition,), cfg=cfg,
                          eval_every=1, seeding=seeding,
                          progress=lambda done, total: bar.update(task, completed=done, total=total))
    paths = write_ablation_report(result, out)
    net0 = layered_network(seed=seed)
    params = result["final_params"]
    Network(torch.tensor(params["omega"][0]), torch.tensor(params["K"][0]), net0.inputs, net0.outputs,
            net0.pinned).save(out / "network.npz")
    acc = {r["readout"]: r["test_acc"][0] for r in result["records"]}
    console.print(f"[green]wrote[/green] {paths['report']} and {out / 'network.npz'}: test accuracy "
                  f"{acc['paper']:.3f} (paper readout), {acc['consistent']:.3f} (consistent readout)")


@app.command()
def sweep(
    config: Annotated[Path, typer.Argument(help="sweep spec (.toml or .json): target, base, grid, zip, points, seeds")],
    out: Annotated[Optional[Path], typer.Option(help="output folder (default: sweeps/<spec name>)")] = None,  # noqa: UP045
    scheduler: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="Dask scheduler address, e.g. tcp://host:8786 (default: a local process pool)")] = None,
    workers: Annotated[Optional[int], typer.Option(min=1, help="local worker processes (default: CPUs)")] = None,  # noqa: UP045
    seed_offset: Annotated[int, typer.Option(min=0, help="add this to every seed of the spec")] = 0,
    retry_failed: Annotated[bool, typer.Option(help="also redo runs recorded as failed")] = False,
    parquet: Annotated[bool, typer.Option(help="also write results.parquet (needs pyarrow)")] = False,
) -> None:
    """Run a parameter sweep / multi-seed study (resumable: finished runs are kept) into one table, results.csv."""
    from resonant.sweep import load_spec, run_sweep

    try:
        spec = load_spec(config)
        if seed_offset:
            spec = spec.with_seed_offset(seed_offset)
    except (FileNotFoundError, ValueError) as exc:  # SpecError and ConfigError are ValueErrors
        raise typer.BadParameter(str(exc), param_hint="CONFIG") from exc
    out_dir = out if out is not None else Path("sweeps") / spec.name
    table = run_sweep(spec, out_dir, scheduler=scheduler, n_workers=workers, progress=True,
                      retry_failed=retry_failed, parquet=parquet)
    m = json.loads((out_dir / "sweep.json").read_text())
    console.print(f"[green]wrote[/green] {table} ({m['n_runs']} runs: {m['n_done_before']} already done, "
                  f"{m['n_executed']} executed, {m['n_failed_total']} failed in all)")


validate_app = typer.Typer(add_completion=False, no_args_is_help=True,
                           help="Claims validation suites: one experiment per claim, verdicts in report.md.")
app.add_typer(validate_app, name="validate")


@validate_app.command("rcs")
def validate_rcs_cmd(
    out: Annotated[Path, typer.Option(help="output folder (report.md, results.json, figures)")] = Path(
        "rcs-validation"),
    size: Annotated[str, typer.Option(help="smoke (seconds, for CI) or full (the real run, minutes)")] = "full",
    seeds: Annotated[Optional[int], typer.Option(  # noqa: UP045
        min=1, help="number of seeds 0 … seeds−1 (default: 5 for full, 2 for smoke)")] = None,
    threads: Annotated[int, typer.Option(min=1, help="torch intra-op threads")] = 1,
    data: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        help="Hillenbrand vowel CSV (vowel,F1,F2) for claim 13; absent: a labelled synthetic fallback")] = None,
) -> None:
    """Validate the RCS paper's claims (§1.1, §4-§7, §9, §11): one experiment per claim, each over ≥ 5 seeds."""
    import torch

    from resonant.experiments.rcs_validate import CLAIMS, SIZES, validate_rcs

    if size not in SIZES:
        raise typer.BadParameter(f"size must be one of {sorted(SIZES)}, got {size!r}", param_hint="--size")
    torch.set_num_threads(threads)
    with Progress(TextColumn("[bold]validate rcs"), BarColumn(), TextColumn("{task.completed}/{task.total} claims"),
                  TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task("", total=len(CLAIMS))
        results = validate_rcs(out, size=size, seeds=None if seeds is None else range(seeds), data=data,
                               progress=lambda done, total, name: bar.update(task, completed=done, total=total,
                                                                            description=name))
    _print_verdicts(results, out)


def _print_verdicts(results: list, out: Path) -> None:
    """One line per claim and the verdict counts of a validation run."""
    counts = {v: sum(r.verdict == v for r in results) for v in ("supported", "refuted", "inconclusive")}
    for r in results:
        console.print(f"  {r.verdict:>12}  {r.claim}")
    console.print(f"[green]wrote[/green] {out / 'report.md'} and {out / 'results.json'}: "
                  + ", ".join(f"{n} {v}" for v, n in counts.items()))


@validate_app.command("drai")
def validate_drai_cmd(
    out: Annotated[Path, typer.Option(help="output folder (report.md, results.json, figures, task records)")] = Path(
        "drai-validation"),
    size: Annotated[str, typer.Option(help="smoke (seconds, for CI) or full (the real run, minutes)")] = "full",
    seeds: Annotated[Optional[int], typer.Option(  # noqa: UP045
        min=1, help="number of seeds 0 … seeds−1 (default: 5 for full, 2 for smoke)")] = None,
    tasks: Annotated[Optional[str], typer.Option(  # noqa: UP045
        help="comma list of tasks (classify, memory, continual, reversal, efficiency); default all")] = None,
    threads: Annotated[int, typer.Option(min=1, help="torch intra-op threads")] = 1,
) -> None:
    """Validate the DRAI paper's claims: five tasks, each against its baselines in the same run, ≥ 5 seeds."""
    import torch

    from resonant.experiments.drai_validate import SIZES, TASKS, validate_drai

    if size not in SIZES:
        raise typer.BadParameter(f"size must be one of {list(SIZES)}, got {size!r}", param_hint="--size")
    keys = None if tasks is None else [t.strip() for t in tasks.split(",") if t.strip()]
    valid = [t.key for t in TASKS]
    if keys is not None and (not keys or any(k not in valid for k in keys)):
        raise typer.BadParameter(f"tasks must be from {valid}, got {tasks!r}", param_hint="--tasks")
    torch.set_num_threads(threads)
    n_tasks = len(TASKS) if keys is None else len(keys)
    with Progress(TextColumn("[bold]validate drai"), BarColumn(), TextColumn("{task.completed}/{task.total} tasks"),
                  TextColumn("{task.description}"), TimeElapsedColumn(), console=console, transient=False) as bar:
        task = bar.add_task("", total=n_tasks)
        results = validate_drai(out, size=size, seeds=None if seeds is None else range(seeds), tasks=keys,
                                progress=lambda done, total, name: bar.update(task, completed=done, total=total,
                                                                             description=name))
    _print_verdicts(results, out)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
