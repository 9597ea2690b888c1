"""The DRAI claims validation suite (``resonant validate drai``): the paper's claims as experiments that can fail.

Each task module of issue 4 (``drai_classify``, ``drai_memory``, ``drai_continual``, ``drai_reversal``,
``drai_efficiency``) exposes ``run_<task>(size, seeds, progress)`` returning a JSON-serialisable record (baselines
run in the same call, on the same seeds), ``claims_<task>(record)`` turning it into
:class:`~resonant.experiments.claims.ClaimResult` verdicts by criteria declared as module constants before the
runs, and ``figure_<task>(record, path)``. :func:`validate_drai` runs every task, saves the records and figures
and writes ``report.md`` + ``results.json`` in the schema shared with the RCS suite
(:mod:`resonant.reports.claims_report`). A task whose experiment raises is reported as an inconclusive claim
naming the error; the others still run.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import platform
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from resonant.core.atomic import atomic_write
from resonant.experiments.claims import ClaimResult
from resonant.reports.claims_report import write_claims_report

__all__ = ["SIZES", "TASKS", "Task", "validate_drai"]

#: The suite's sizes: "smoke" (seconds per task, for CI) and "full" (the real run).
SIZES: tuple[str, ...] = ("smoke", "full")


@dataclass(frozen=True)
class Task:
    """One DRAI task of issue 4: the module and the names of its run / claims / figure functions."""

    key: str
    title: str
    module: str
    run: str
    claims: str
    figure: str

    def functions(self) -> tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]:
        mod = importlib.import_module(self.module)
        return getattr(mod, self.run), getattr(mod, self.claims), getattr(mod, self.figure)


TASKS: tuple[Task, ...] = (
    Task("classify", "1. noisy oscillatory classification", "resonant.experiments.drai_classify",
         "run_classify", "claims_classify", "figure_classify"),
    Task("memory", "2. associative memory", "resonant.experiments.drai_memory",
         "run_memory", "claims_memory", "figure_memory"),
    Task("continual", "3. class-incremental split-digits", "resonant.experiments.drai_continual",
         "run_continual", "claims_continual", "figure_continual"),
    Task("reversal", "4. reversal learning and surprise", "resonant.experiments.drai_reversal",
         "run_drai_reversal", "claims_drai_reversal", "figure_drai_reversal"),
    Task("efficiency", "5. efficiency of resonance-gated updates", "resonant.experiments.drai_efficiency",
         "run_drai_efficiency", "claims_drai_efficiency", "figure_drai_efficiency"),
)


def _as_claim(c: ClaimResult | dict[str, Any]) -> ClaimResult:
    return c if isinstance(c, ClaimResult) else ClaimResult.from_dict(c)


def _record_dict(record: Any) -> Any:
    return record.to_dict() if hasattr(record, "to_dict") else record


def validate_drai(
    out_dir: str | Path,
    size: str = "full",
    seeds: Iterable[int] | None = None,
    progress: bool | Callable[[int, int, str], None] = True,
    tasks: Iterable[str] | None = None,
) -> list[ClaimResult]:
    """Run the DRAI tasks, write one figure and one JSON record per task, then ``report.md`` and ``results.json``.

    Args:
        out_dir: output folder.
        size: ``"smoke"`` or ``"full"``.
        seeds: seeds (default 0 … 4: every task runs ≥ 5 seeds in full; smoke uses 0 … 1).
        progress: True prints one line per task to stderr; a callable gets (done, total, task title).
        tasks: a subset of task keys (default: all of :data:`TASKS`).
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size!r}")
    chosen = [t for t in TASKS if tasks is None or t.key in set(tasks)]
    if tasks is not None:
        unknown = set(tasks) - {t.key for t in TASKS}
        if unknown:
            raise ValueError(f"unknown task(s) {sorted(unknown)}; choose from {[t.key for t in TASKS]}")
    seed_list = [int(s) for s in (range(5 if size == "full" else 2) if seeds is None else seeds)]
    if not seed_list or any(s < 0 for s in seed_list):
        raise ValueError(f"seeds must be non-empty and non-negative, got {seed_list}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results: list[ClaimResult] = []
    walls: dict[str, float] = {}
    start = time.perf_counter()
    for j, task in enumerate(chosen):
        if callable(progress):
            progress(j, len(chosen), task.title)
        t0 = time.perf_counter()
        try:
            run, claims, figure = task.functions()
            record = run(size=size, seeds=seed_list, progress=False)
            fig_name = f"fig_{task.key}.png"
            figure(record, out / fig_name)
            rec = _record_dict(record)
            atomic_write(out / f"{task.key}.json",
                         lambda p, rec=rec: p.write_text(json.dumps(rec, indent=1, default=str)))
            for c in claims(record):
                c = _as_claim(c)
                if c.figure is None:
                    c = dataclasses.replace(c, figure=fig_name)
                results.append(c)
        except Exception as exc:  # one broken task must not hide the others
            results.append(ClaimResult(
                claim=f"{task.title}: the experiment did not complete", verdict="inconclusive",
                metric="experiment failed", value=None, baseline=None, criterion="the task must run",
                seeds=seed_list, section="DRAI", notes=f"{type(exc).__name__}: {exc}"))
        walls[task.title] = time.perf_counter() - t0
        if progress is True:
            print(f"[{j + 1}/{len(chosen)}] {task.title}: {walls[task.title]:.1f} s", file=sys.stderr, flush=True)
    if callable(progress):
        progress(len(chosen), len(chosen), "done")
    total = time.perf_counter() - start
    preamble = (
        f"`resonant validate drai --size {size}`: the claims of the DRAI paper "
        "(`shared/papers/dynamic-resonance-ai.txt`: noise robustness, associative memory, resistance to "
        "catastrophic forgetting, surprise-driven adaptation, efficiency of updating only resonating connections), "
        f"each tested against the baselines a sceptical reviewer would ask for, run in the same call on seeds "
        f"{seed_list}. Criteria are module constants declared before the runs; a failed claim is reported as "
        f"failed. Wall time {total:.0f} s on {platform.machine()} (Python {platform.python_version()}, torch "
        f"{torch.__version__}, {torch.get_num_threads()} thread(s)). Design choices and readings of the paper: "
        "`docs/drai.md`, `docs/drai_tasks.md`.")
    timing = "\n".join(f"- {k}: {v:.1f} s" for k, v in walls.items())
    write_claims_report(results, out, title="DRAI claims validation", preamble=preamble,
                        extra_sections=(("Wall time per task", timing),))
    return results
