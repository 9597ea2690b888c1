"""Report writer for a validation suite: a list of :class:`ClaimResult` → ``report.md`` + ``results.json``.

System-agnostic: it reads only the claim records (:mod:`resonant.experiments.claims`), never an engine.
``report.md`` opens with a table (claim → verdict → metric, value ± spread vs baseline → criterion →
figure), then has one section per claim (hypothesis, protocol, criterion, numbers, details, notes,
figure). ``results.json`` is the list of :meth:`ClaimResult.to_dict` records. Both are written atomically.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from resonant.experiments.claims import VERDICTS, ClaimResult
from resonant.reports.common import write_text

__all__ = ["format_value", "write_claims_report"]

_VERDICT_MARK = {"supported": "✅ supported", "refuted": "❌ refuted", "inconclusive": "❔ inconclusive"}


def format_value(value: Any, digits: int = 4) -> str:
    """A compact human-readable rendering of a JSON value (floats to ``digits`` significant figures)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.{max(digits - 1, 1)}e}"
        return f"{value:.{digits}g}"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        inner = ", ".join(format_value(v, digits) for v in value[:8])
        return f"[{inner}{', …' if len(value) > 8 else ''}]"
    if isinstance(value, dict):
        inner = ", ".join(f"{k}: {format_value(v, digits)}" for k, v in list(value.items())[:8])
        return f"{{{inner}{', …' if len(value) > 8 else ''}}}"
    return str(value)


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell (pipes escaped, newlines flattened)."""
    return " ".join(str(text).replace("|", "\\|").split())


def _value_with_spread(r: ClaimResult) -> str:
    v = format_value(r.value)
    if r.spread is not None and not (isinstance(r.spread, float) and not math.isfinite(r.spread)):
        v += f" ± {format_value(r.spread, 2)}"
    return v


def _details_block(details: dict[str, Any]) -> list[str]:
    if not details:
        return []
    lines = ["", "| detail | value |", "|---|---|"]
    for k, v in details.items():
        text = json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else format_value(v, 6)
        if len(text) > 400:
            text = text[:400] + " …"
        lines.append(f"| {_cell(k)} | {_cell(text)} |")
    return lines


def write_claims_report(
    results: Sequence[ClaimResult],
    out_dir: str | Path,
    *,
    title: str,
    preamble: str = "",
    extra_sections: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write ``out_dir/report.md`` and ``out_dir/results.json``; return the path of ``report.md``.

    Args:
        results: one :class:`ClaimResult` per claim, in report order.
        out_dir: output folder (created if missing).
        title: the report's heading.
        preamble: markdown placed under the heading (how the suite was run).
        extra_sections: (heading, markdown body) pairs appended after the claim sections.
    """
    results = list(results)
    if not results:
        raise ValueError("write_claims_report needs at least one ClaimResult, got an empty list")
    for r in results:
        if not isinstance(r, ClaimResult):
            raise TypeError(f"results must hold ClaimResult objects, got {type(r).__name__} {r!r}")
    if not isinstance(title, str) or not title.strip():
        raise ValueError(f"title must be a non-empty string, got {title!r}")
    for item in extra_sections:
        if not (isinstance(item, tuple) and len(item) == 2 and all(isinstance(x, str) for x in item)):
            raise TypeError(f"extra_sections must be (heading, body) string pairs, got {item!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    counts = {v: sum(r.verdict == v for r in results) for v in VERDICTS}
    lines = [f"# {title}", ""]
    if preamble:
        lines += [preamble.rstrip(), ""]
    lines += [f"**{len(results)} claims**: " + ", ".join(f"{counts[v]} {v}" for v in VERDICTS) + ".", ""]
    lines += ["| claim | verdict | metric | value ± spread | baseline | criterion | seeds | figure |",
              "|---|---|---|---|---|---|---|---|"]
    for r in results:
        fig = f"[{r.figure}]({r.figure})" if r.figure else "—"
        seeds = f"{len(r.seeds)}" if r.seeds else "deterministic"
        lines.append(
            f"| {_cell(r.claim)} | {_VERDICT_MARK[r.verdict]} | {_cell(r.metric)} | {_cell(_value_with_spread(r))} | "
            f"{_cell(format_value(r.baseline))} | {_cell(r.criterion)} | {seeds} | {fig} |")
    lines.append("")
    for r in results:
        lines += [f"## {r.claim}: {r.verdict}", ""]
        if r.section:
            lines += [f"*Paper:* {r.section}", ""]
        if r.hypothesis:
            lines += [f"**Hypothesis.** {r.hypothesis}", ""]
        if r.protocol:
            lines += [f"**Protocol.** {r.protocol}", ""]
        lines += [f"**Criterion (declared before the run).** {r.criterion}", ""]
        seeds = ", ".join(map(str, r.seeds)) if r.seeds else "none (deterministic)"
        lines += [f"**Result.** {r.metric}: {_value_with_spread(r)} (baseline {format_value(r.baseline)}); "
                  f"seeds {seeds}. Verdict: **{r.verdict}**."]
        lines += _details_block(r.details)
        if r.notes:
            lines += ["", f"**Notes.** {r.notes}"]
        if r.figure:
            lines += ["", f"![{_cell(r.claim)}]({r.figure})"]
        lines.append("")
    for heading, body in extra_sections:
        lines += [f"## {heading}", "", body.rstrip(), ""]

    write_text(out / "results.json", json.dumps([r.to_dict() for r in results], indent=1, ensure_ascii=False) + "\n")
    return write_text(out / "report.md", "\n".join(lines))
