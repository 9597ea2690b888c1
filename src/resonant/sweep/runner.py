"""Execute a sweep on a local process pool or a Dask cluster, resumably, into one tidy table.

Layout of ``out_dir``::

    runs/<config_hash>-s<seed>.json   one record per finished run, written atomically when it finishes
    results.csv                       the tidy table, rebuilt atomically from the records of this spec
    sweep.json                        the spec, counts and timing of the last invocation

A run whose record exists is never redone, so an interrupted sweep loses at most the runs that were
in flight; running the same spec again finishes the rest. A run that raises is recorded with
``status`` "error" (or "unstable" for a FloatingPointError, which includes
:class:`~resonant.core.errors.NumericalInstabilityError`) and its message, and the sweep carries on;
such runs count as done unless ``retry_failed=True``.
Records are written by the coordinating process, so Dask workers need no shared file system.
"""

from __future__ import annotations

import csv
import io
import json
import math
import multiprocessing
import os
import socket
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from resonant.core.atomic import atomic_write
from resonant.sweep.spec import RunSpec, SweepSpec, load_spec
from resonant.sweep.targets import get_target, pin_threads

RECORD_VERSION = 1
#: Leading columns of the table; swept parameters and then the target's metrics follow.
ID_COLUMNS: tuple[str, ...] = ("config_hash", "seed", "status", "error", "wall_seconds")
STATUSES = ("ok", "error", "unstable")

Progress = Callable[[int, int], None]


# --------------------------------------------------------------------------------------------------
# the work of one run (executes in a worker process or on a Dask worker)
# --------------------------------------------------------------------------------------------------
def execute_run(target: str, config: dict[str, Any], seed: int) -> dict[str, Any]:
    """Run one (config, seed) and return the record body; exceptions become a status and a message."""
    pin_threads()
    start = time.perf_counter()
    status, error, error_type, metrics, tb = "ok", None, None, {}, None
    try:
        out = get_target(target).run(config, seed)
        metrics = {str(k): _scalar(v, k) for k, v in out.items()}
    except FloatingPointError as exc:  # NumericalInstabilityError and its kin
        status, error, error_type = "unstable", str(exc), type(exc).__name__
    except Exception as exc:
        status, error, error_type = "error", str(exc) or repr(exc), type(exc).__name__
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-6:])
    return dict(status=status, error=error, error_type=error_type, traceback=tb, metrics=metrics,
                wall_seconds=time.perf_counter() - start, finished_at=time.time(),
                worker=f"{socket.gethostname()}:{os.getpid()}")


def _scalar(v: Any, name: str) -> float | int | str | bool | None:
    if v is None or isinstance(v, (bool, str, int)):
        return v
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    try:
        import numpy as np

        if isinstance(v, np.generic):
            return _scalar(v.item(), name)
    except ImportError:  # pragma: no cover
        pass
    raise TypeError(f"metric {name!r} must be a scalar (number, bool, string or None), got {type(v).__name__}")


def _init_worker() -> None:
    pin_threads()


# --------------------------------------------------------------------------------------------------
# records and table
# --------------------------------------------------------------------------------------------------
def record_path(out_dir: Path, run: RunSpec) -> Path:
    return Path(out_dir) / "runs" / f"{run.run_id}.json"


def read_record(path: Path) -> dict[str, Any] | None:
    """A run record, or None if it is missing or unreadable (then the run is redone)."""
    try:
        rec = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(rec, dict) or rec.get("version") != RECORD_VERSION or rec.get("status") not in STATUSES:
        return None
    return rec


def write_record(out_dir: Path, run: RunSpec, body: dict[str, Any]) -> Path:
    rec = dict(version=RECORD_VERSION, config_hash=run.config_hash, seed=run.seed, target=run.target,
               params=run.params, config=run.config, **body)
    text = json.dumps(rec, indent=1, sort_keys=False, allow_nan=False, default=str)
    path = record_path(out_dir, run)
    return atomic_write(path, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))


def _cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, (list, dict)):
        return json.dumps(v, separators=(",", ":"))
    return v


def build_table(spec: SweepSpec, out_dir: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """Columns and rows of the tidy table from this spec's records (spec order; missing runs left out)."""
    tgt = get_target(spec.target)
    swept = spec.swept
    rows, extra_metrics = [], []
    for run in spec.runs():
        rec = read_record(record_path(out_dir, run))
        if rec is None:
            continue
        row = dict(config_hash=run.config_hash, seed=run.seed, status=rec["status"], error=rec.get("error"),
                   wall_seconds=rec.get("wall_seconds"))
        for k in swept:
            row[k] = run.params.get(k)
        metrics = rec.get("metrics") or {}
        for k, v in metrics.items():
            if k not in tgt.metrics and k not in extra_metrics:
                extra_metrics.append(k)
            row[k] = v
        rows.append(row)
    columns = [*ID_COLUMNS, *swept, *(m for m in tgt.metrics if m not in swept), *extra_metrics]
    return columns, rows


def write_table(spec: SweepSpec, out_dir: Path,
                table: tuple[list[str], list[dict[str, Any]]] | None = None) -> Path:
    """(Re)build ``results.csv`` atomically from the records (or from ``table`` = :func:`build_table`'s result)."""
    columns, rows = table if table is not None else build_table(spec, out_dir)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="raise")
    w.writeheader()
    for r in rows:
        w.writerow({c: _cell(r.get(c)) for c in columns})
    text = buf.getvalue()
    return atomic_write(Path(out_dir) / "results.csv", lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _check_parquet_engine() -> None:
    import importlib.util

    if not any(importlib.util.find_spec(m) for m in ("pyarrow", "fastparquet")) or \
            importlib.util.find_spec("pandas") is None:
        raise ImportError("writing Parquet needs pandas and pyarrow or fastparquet; results.csv holds the same "
                          "table (pip install pyarrow, or leave parquet off)")


def write_parquet(spec: SweepSpec, out_dir: Path,
                  table: tuple[list[str], list[dict[str, Any]]] | None = None) -> Path:
    """``results.parquet`` (the same table) via pandas; needs pyarrow or fastparquet installed."""
    _check_parquet_engine()
    import pandas as pd

    columns, rows = table if table is not None else build_table(spec, out_dir)
    df = pd.DataFrame([{c: (json.dumps(r.get(c)) if isinstance(r.get(c), (list, dict)) else r.get(c))
                        for c in columns} for r in rows], columns=columns)
    return atomic_write(Path(out_dir) / "results.parquet", lambda tmp: df.to_parquet(tmp, index=False))


def load_table(path: str | Path) -> Any:
    """The table as a pandas DataFrame (CSV or Parquet), keeping ``config_hash`` as text."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"sweep table not found: {str(path)!r}")
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype={"config_hash": str, "error": str}, keep_default_na=True)


# --------------------------------------------------------------------------------------------------
# executors
# --------------------------------------------------------------------------------------------------
def _local(todo: Sequence[RunSpec], n_workers: int | None) -> Iterator[tuple[RunSpec, dict[str, Any]]]:
    n = n_workers or min(len(todo), os.cpu_count() or 1)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, n), mp_context=ctx, initializer=_init_worker) as pool:
        futures: dict[Future[dict[str, Any]], RunSpec] = {}
        queue = list(todo)
        try:
            # keep at most 2 runs per worker queued, so an interruption abandons little work
            while queue or futures:
                while queue and len(futures) < 2 * n:
                    run = queue.pop(0)
                    futures[pool.submit(execute_run, run.target, run.config, run.seed)] = run
                done, _ = wait(futures, return_when=FIRST_COMPLETED)
                for fut in done:
                    run = futures.pop(fut)
                    yield run, fut.result()
        except BaseException:  # interrupted: drop queued work, do not wait for it
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _dask(todo: Sequence[RunSpec], scheduler: Any) -> Iterator[tuple[RunSpec, dict[str, Any]]]:
    try:
        from dask.distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - dask is a dev dependency
        raise ImportError(f"a Dask scheduler was given but dask.distributed is not importable ({exc}); "
                          "pip install 'resonant[dask]'") from None
    own = isinstance(scheduler, str)
    client = Client(scheduler) if own else scheduler
    if not hasattr(client, "submit"):
        raise TypeError(f"scheduler must be an address string or a dask.distributed.Client, got {scheduler!r}")
    try:
        tag = uuid.uuid4().hex[:8]
        futures = {}
        for run in todo:
            fut = client.submit(execute_run, run.target, run.config, run.seed, pure=False,
                                key=f"resonant-sweep-{run.run_id}-{tag}")
            futures[fut.key] = (fut, run)
        try:
            for fut in as_completed([f for f, _ in futures.values()]):
                yield futures[fut.key][1], fut.result()
        except BaseException:  # interrupted: cancel what has not run yet
            client.cancel([f for f, _ in futures.values()])
            raise
    finally:
        if own:
            client.close()


# --------------------------------------------------------------------------------------------------
# the API
# --------------------------------------------------------------------------------------------------
def pending_runs(spec: SweepSpec, out_dir: str | Path, retry_failed: bool = False) -> list[RunSpec]:
    """The runs of ``spec`` without a (successful, with ``retry_failed``) record in ``out_dir``."""
    out = []
    for run in spec.runs():
        rec = read_record(record_path(Path(out_dir), run))
        if rec is None or (retry_failed and rec["status"] != "ok"):
            out.append(run)
    return out


def run_sweep(
    spec: SweepSpec | str | Path,
    out_dir: str | Path,
    *,
    scheduler: Any = None,
    n_workers: int | None = None,
    progress: bool | Progress = True,
    retry_failed: bool = False,
    parquet: bool = False,
) -> Path:
    """Run every run of ``spec`` that has no record in ``out_dir`` yet, and return the table's path.

    Args:
        spec: a :class:`SweepSpec` or the path of a TOML/JSON spec file.
        out_dir: output folder (created); records go to ``out_dir/runs``, the table to ``results.csv``.
        scheduler: None for a local spawn-based process pool; a Dask scheduler address
            ("tcp://host:8786") or a ``dask.distributed.Client`` to run on that cluster.
        n_workers: local pool size (default: min(runs, CPU count)); ignored with a scheduler.
        progress: True for a progress line on stderr, False for none, or a callable(done, total).
        retry_failed: also redo runs recorded with status "error"/"unstable".
        parquet: also write ``results.parquet`` (needs pyarrow or fastparquet).
    Returns the path of ``results.csv``. The table is rebuilt even when the sweep is interrupted
    (KeyboardInterrupt), so it always lists the runs finished so far.
    """
    if not isinstance(spec, SweepSpec):
        spec = load_spec(spec)
    if parquet:
        _check_parquet_engine()  # before hours of runs, not after
    if n_workers is not None and (isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1):
        raise ValueError(f"n_workers must be an int >= 1 or None, got {n_workers!r}")
    out = Path(out_dir)
    (out / "runs").mkdir(parents=True, exist_ok=True)
    runs = spec.runs()
    todo = pending_runs(spec, out, retry_failed)
    total, done0 = len(runs), len(runs) - len(todo)
    report = _progress_fn(progress, spec.name)
    where = "local" if scheduler is None else (scheduler if isinstance(scheduler, str) else str(
        getattr(getattr(scheduler, "scheduler", None), "address", None) or scheduler))
    manifest = dict(name=spec.name, spec=spec.to_dict(), n_runs=total, n_done_before=done0, n_executed=0,
                    n_failed=0, scheduler=where, n_workers=n_workers,
                    started_at=time.time(), finished_at=None, complete=False, python=sys.version.split()[0])
    start = time.perf_counter()
    executed = failed = 0
    report(done0, total)
    try:
        if todo:
            stream = _local(todo, n_workers) if scheduler is None else _dask(todo, scheduler)
            for run, body in stream:
                write_record(out, run, body)
                executed += 1
                failed += body["status"] != "ok"
                report(done0 + executed, total)
    finally:
        built = build_table(spec, out)
        manifest.update(n_executed=executed, n_failed=failed, wall_seconds=time.perf_counter() - start,
                        finished_at=time.time(), complete=done0 + executed == total,
                        n_failed_total=sum(r["status"] != "ok" for r in built[1]))
        table = write_table(spec, out, built)
        text = json.dumps(manifest, indent=1, default=str)
        atomic_write(out / "sweep.json", lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))
        if parquet:
            write_parquet(spec, out, built)
        report(-1, total)
    return table


def _progress_fn(progress: bool | Progress, name: str) -> Progress:
    if callable(progress):
        def call(done: int, total: int) -> None:
            if done >= 0:
                progress(done, total)
        return call
    if not progress:
        return lambda done, total: None
    state = {"last": 0.0}

    def line(done: int, total: int) -> None:
        now = time.perf_counter()
        if done < 0:
            sys.stderr.write("\n")
        elif done == total or now - state["last"] > 0.5:
            state["last"] = now
            sys.stderr.write(f"\rsweep {name}: {done}/{total} runs")
        sys.stderr.flush()
    return line


__all__ = [
    "ID_COLUMNS",
    "RECORD_VERSION",
    "build_table",
    "execute_run",
    "load_table",
    "pending_runs",
    "read_record",
    "record_path",
    "run_sweep",
    "write_table",
]
