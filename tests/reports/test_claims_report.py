"""The system-agnostic claims report writer (:mod:`resonant.reports.claims_report`)."""

import json
import math

import pytest

from resonant.experiments.claims import SCHEMA_KEYS, ClaimResult
from resonant.reports.claims_report import format_value, write_claims_report


def _results():
    return [
        ClaimResult(claim="1. first claim", verdict="supported", metric="ratio", value=0.5, baseline=1.0,
                    criterion="ratio < 1", seeds=[0, 1], spread=0.01, section="§1", hypothesis="H one",
                    protocol="P one", figure="fig1.png", notes="note one", details={"per_seed": [0.49, 0.51]}),
        ClaimResult(claim="2. second | piped", verdict="refuted", metric="count", value=3, baseline=0,
                    criterion="count == 0", seeds=[0, 1]),
        ClaimResult(claim="3. third", verdict="inconclusive", metric="drift", value=math.nan, baseline=None,
                    criterion="drift == 0", seeds=[], notes="deterministic"),
    ]


def _table_rows(text):
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("| claim | verdict"))
    rows = []
    for ln in lines[start + 2:]:
        if not ln.startswith("|"):
            break
        rows.append(ln)
    return rows


def test_report_and_json_are_written_with_one_table_row_per_result(tmp_path):
    res = _results()
    path = write_claims_report(res, tmp_path / "out", title="Test suite", preamble="How it was run.")
    assert path == tmp_path / "out" / "report.md"
    text = path.read_text()
    assert text.startswith("# Test suite\n") and "How it was run." in text
    rows = _table_rows(text)
    assert len(rows) == len(res)
    assert "supported" in rows[0] and "refuted" in rows[1] and "inconclusive" in rows[2]
    assert "0.5 ± 0.01" in rows[0] and "[fig1.png](fig1.png)" in rows[0]
    assert "2. second \\| piped" in rows[1]  # a pipe inside a cell is escaped
    assert "**3 claims**: 1 supported, 1 refuted, 1 inconclusive." in text
    for r in res:
        assert f"## {r.claim}: {r.verdict}" in text
    assert "**Hypothesis.** H one" in text and "![1. first claim](fig1.png)" in text


def test_results_json_holds_every_schema_key_and_round_trips(tmp_path):
    res = _results()
    write_claims_report(res, tmp_path, title="T")
    data = json.loads((tmp_path / "results.json").read_text())
    assert isinstance(data, list) and len(data) == len(res)
    for d, r in zip(data, res, strict=True):
        assert set(d) == set(SCHEMA_KEYS)
        assert d["claim"] == r.claim and d["verdict"] == r.verdict and d["seeds"] == r.seeds
    assert data[2]["value"] is None  # NaN written as null
    assert ClaimResult.from_dict(data[0]) == res[0]


def test_extra_sections_are_appended_in_order(tmp_path):
    write_claims_report(_results(), tmp_path, title="T", extra_sections=(("Sizes", "a table"), ("Config", "json")))
    text = (tmp_path / "report.md").read_text()
    assert text.index("## Sizes") < text.index("## Config")
    assert text.index("## 3. third") < text.index("## Sizes")


def test_no_temporary_files_are_left_behind(tmp_path):
    write_claims_report(_results(), tmp_path, title="T")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md", "results.json"]


def test_bad_inputs_raise_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="empty"):
        write_claims_report([], tmp_path, title="T")
    with pytest.raises(TypeError, match="ClaimResult"):
        write_claims_report([{"claim": "x"}], tmp_path, title="T")  # type: ignore[list-item]
    with pytest.raises(ValueError, match="title"):
        write_claims_report(_results(), tmp_path, title="")
    with pytest.raises(TypeError, match="extra_sections"):
        write_claims_report(_results(), tmp_path, title="T", extra_sections=("just a string",))  # type: ignore[arg-type]


@pytest.mark.parametrize("value, text", [
    (None, "—"), (True, "yes"), (7, "7"), (0.5, "0.5"), (1.23456789, "1.235"), (2.5e-7, "2.500e-07"),
    (123456.0, "1.235e+05"), (math.inf, "inf"), ("abc", "abc"), ([1, 2.5], "[1, 2.5]"), ({"a": 1}, "{a: 1}"),
])
def test_format_value(value, text):
    assert format_value(value) == text
