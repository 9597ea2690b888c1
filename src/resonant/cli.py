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
            overrides = json.loads(config.read_text())
        cfg = RCSConfig.from_dict({**RCSConfig().to_dict(), **overrides, "dt": dt})
    except ConfigError as exc:
        raise typer.BadParameter(str(exc)) from exc
    with _progress_bar(f"stream seed={seed}") as bar:
        task = bar.add_task("run", total=int(round(seconds / dt)))
        record = run_stream(seconds=seconds, seed=seed, dt=dt, config=cfg, device=device,
                            progress=lambda done, total: bar.update(task, completed=done, total=total),
                            checkpoint=checkpoint, resume=resume)
    paths = write_stream_report(record, out, paper_reference=PAPER_TABLE_1)
    metrics = json.loads(Path(paths["metrics"]).read_text())
    console.print(f"[green]wrote[/green] {out}/report.md  (N̄={metrics['mean_N']:.2f}, M̄={metrics['mean_M']:.2f}, "
                  f"mitoses={metrics['mitoses']}, dissolutions={metrics['dissolutions']}, "
                  f"wall={metrics['wall_seconds']:.2f} s)")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
