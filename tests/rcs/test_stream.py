"""Signal sources of :mod:`resonant.rcs.stream` (RCS §10): validation, determinism, statistics, files."""

import csv
import itertools
import json
import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from resonant.rcs import Engine
from resonant.rcs.stream import EventList, GeneratorSource, GroupedStream, PaperStream, Signal, SignalSource

TWO_PI = 2.0 * math.pi


def _circ_dist(a: float, b: float) -> float:
    """Circular distance between two angles (rad), in [0, π]."""
    d = (a - b) % TWO_PI
    return min(d, TWO_PI - d)


# --------------------------------------------------------------------------------------------------
# Signal
# --------------------------------------------------------------------------------------------------


def test_signal_defaults_and_numpy_scalars_accepted():
    s = Signal(np.float64(1.5), np.int64(2), 0.5)
    assert (s.phase, s.amplitude, s.label) == (0.0, 1.0, -1)
    assert Signal(0, 1, 1, amplitude=0.0, label=np.int64(3)).label == 3


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"duration": -1.0}, "duration"),
        ({"duration": 0.0}, "duration"),
        ({"frequency": 0.0}, "frequency"),
        ({"frequency": -2.0}, "frequency"),
        ({"frequency": math.nan}, "frequency"),
        ({"frequency": math.inf}, "frequency"),
        ({"amplitude": -0.1}, "amplitude"),
        ({"onset": -0.5}, "onset"),
        ({"phase": math.nan}, "phase"),
        ({"onset": -math.inf}, "onset"),
    ],
)
def test_signal_invalid_value_raises_value_error_naming_field(kwargs, field):
    args = {"onset": 1.0, "frequency": 2.0, "duration": 1.0, **kwargs}
    with pytest.raises(ValueError, match=rf"Signal\.{field}"):
        Signal(**args)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"frequency": "2.0"}, "frequency"),
        ({"frequency": True}, "frequency"),
        ({"onset": None}, "onset"),
        ({"duration": [1.0]}, "duration"),
        ({"amplitude": False}, "amplitude"),
        ({"label": 1.0}, "label"),
        ({"label": True}, "label"),
        ({"label": "a"}, "label"),
    ],
)
def test_signal_wrong_type_raises_type_error_naming_field(kwargs, field):
    args = {"onset": 1.0, "frequency": 2.0, "duration": 1.0, **kwargs}
    with pytest.raises(TypeError, match=rf"Signal\.{field}"):
        Signal(**args)


def test_signal_is_frozen():
    s = Signal(0.0, 1.0, 1.0)
    with pytest.raises(AttributeError):
        s.frequency = 2.0  # type: ignore[misc]


@given(
    onset=st.floats(0.0, 100.0),
    f=st.floats(0.01, 50.0),
    phase=st.floats(-10.0, 10.0),
    dt=st.floats(0.0, 10.0),
)
def test_signal_phase_at(onset, f, phase, dt):
    s = Signal(onset, f, 1.0, phase)
    assert s.phase_at(onset) == pytest.approx(phase)
    assert s.phase_at(onset + dt) == pytest.approx(phase + TWO_PI * f * dt, rel=1e-12, abs=1e-9)
    # one period later the phase has advanced by exactly 2π (unwrapped)
    assert s.phase_at(onset + dt + 1.0 / f) - s.phase_at(onset + dt) == pytest.approx(TWO_PI, rel=1e-9)


# --------------------------------------------------------------------------------------------------
# PaperStream
# --------------------------------------------------------------------------------------------------


def test_sources_satisfy_runtime_protocol():
    assert isinstance(PaperStream(0), SignalSource)
    assert isinstance(GroupedStream(0), SignalSource)
    assert isinstance(EventList([]), SignalSource)
    assert isinstance(GeneratorSource(iter(())), SignalSource)
    assert not isinstance(object(), SignalSource)


def test_paper_stream_deterministic_per_seed():
    a = PaperStream(7).events(0.0, 60.0)
    b = PaperStream(7).events(0.0, 60.0)
    assert a == b
    assert len(a) > 0


def test_paper_stream_different_seeds_differ():
    a = PaperStream(0).events(0.0, 60.0)
    b = PaperStream(1).events(0.0, 60.0)
    assert a != b
    assert {s.onset for s in a}.isdisjoint({s.onset for s in b})


@given(
    t0=st.floats(0.0, 30.0),
    lengths=st.lists(st.floats(0.0, 7.0), min_size=1, max_size=5),
    seed=st.integers(0, 3),
)
def test_paper_stream_split_interval_is_union_of_parts(t0, lengths, seed):
    cuts = [t0]
    for d in lengths:
        cuts.append(cuts[-1] + d)
    whole = PaperStream(seed).events(cuts[0], cuts[-1])
    src = PaperStream(seed)  # a fresh instance (no shared cache with the one above)
    parts = [s for a, b in itertools.pairwise(cuts) for s in src.events(a, b)]
    assert parts == whole
    assert all(cuts[0] <= s.onset < cuts[-1] for s in whole)
    assert [s.onset for s in whole] == sorted(s.onset for s in whole)


def test_paper_stream_chunk_order_does_not_matter():
    src = PaperStream(3)
    late = src.events(500.0, 510.0)
    early = src.events(0.0, 10.0)
    assert early == PaperStream(3).events(0.0, 10.0)
    assert late == PaperStream(3).events(500.0, 510.0)


@given(t0=st.floats(0.0, 200.0), length=st.floats(0.0, 20.0))
def test_paper_stream_onsets_in_half_open_interval(t0, length):
    t1 = t0 + length
    evs = PaperStream(2).events(t0, t1)
    assert all(t0 <= s.onset < t1 for s in evs)


def test_paper_stream_empty_interval():
    assert PaperStream(0).events(3.0, 3.0) == []


def test_paper_stream_statistics_over_2000_seconds():
    T = 2000.0
    evs = PaperStream(0).events(0.0, T)
    n = len(evs)
    expected = 0.9 * T
    assert abs(n - expected) < 4.0 * math.sqrt(expected), n
    f = np.array([s.frequency for s in evs])
    d = np.array([s.duration for s in evs])
    ph = np.array([s.phase for s in evs])
    assert np.all((f > 0.6) & (f < 4.5))
    assert np.all((d > 0.8) & (d < 2.8))
    assert np.all((ph >= 0.0) & (ph < TWO_PI))
    assert all(s.amplitude == 1.0 and s.label == -1 for s in evs)
    assert stats.kstest(f, "uniform", args=(0.6, 3.9)).pvalue > 1e-3
    assert stats.kstest(d, "uniform", args=(0.8, 2.0)).pvalue > 1e-3
    assert stats.kstest(ph, "uniform", args=(0.0, TWO_PI)).pvalue > 1e-3
    # Poisson arrivals: inter-arrival gaps are exponential with mean 1/λ
    gaps = np.diff([s.onset for s in evs])
    assert stats.kstest(gaps, "expon", args=(0.0, 1.0 / 0.9)).pvalue > 1e-3


def test_paper_stream_custom_parameters():
    evs = PaperStream(1, rate=3.0, f_range=(2.0, 2.0), duration_range=(0.5, 0.6), amplitude=0.25).events(0, 50)
    assert abs(len(evs) - 150) < 4 * math.sqrt(150)
    assert all(s.frequency == 2.0 and 0.5 <= s.duration <= 0.6 and s.amplitude == 0.25 for s in evs)
    assert PaperStream(1, rate=0.0).events(0.0, 100.0) == []


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": True}, "seed"),
        ({"rate": -0.1}, "rate"),
        ({"rate": math.nan}, "rate"),
        ({"rate": math.inf}, "rate"),
        ({"f_range": (0.0, 1.0)}, "f_range"),
        ({"f_range": (2.0, 1.0)}, "f_range"),
        ({"f_range": (1.0, math.inf)}, "f_range"),
        ({"f_range": (math.nan, 1.0)}, "f_range"),
        ({"duration_range": (-1.0, 1.0)}, "duration_range"),
        ({"duration_range": (2.0, 1.0)}, "duration_range"),
        ({"duration_range": (1.0, math.inf)}, "duration_range"),
        ({"amplitude": -1.0}, "amplitude"),
        ({"amplitude": math.nan}, "amplitude"),
    ],
)
def test_paper_stream_invalid_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        PaperStream(**kwargs)


@pytest.mark.parametrize(("t0", "t1"), [(2.0, 1.0), (math.nan, 1.0), (0.0, math.inf)])
def test_paper_stream_invalid_interval(t0, t1):
    with pytest.raises(ValueError, match="interval"):
        PaperStream(0).events(t0, t1)


# --------------------------------------------------------------------------------------------------
# GroupedStream
# --------------------------------------------------------------------------------------------------


def _bursts(evs):
    out: dict[float, list[Signal]] = {}
    for s in evs:
        out.setdefault(s.onset, []).append(s)
    return out


@pytest.mark.parametrize("seed", [0, 5])
def test_grouped_stream_bursts_share_group_properties(seed):
    freqs, members, jitter, spread = (1.0, 2.5, 4.0), 3, 0.02, 0.3
    src = GroupedStream(seed, frequencies=freqs, rate=1.0, members=members, freq_jitter=jitter, phase_spread=spread)
    evs = src.events(0.0, 200.0)
    bursts = _bursts(evs)
    assert len(bursts) > 100
    seen_groups = set()
    for onset, group in bursts.items():
        assert len(group) == members
        labels = {s.label for s in group}
        assert len(labels) == 1
        g = labels.pop()
        assert g in range(len(freqs))
        seen_groups.add(g)
        assert len({s.duration for s in group}) == 1
        assert all(3.0 <= s.duration <= 5.0 for s in group)
        f0 = freqs[g]
        for s in group:
            assert abs(s.frequency - f0) <= jitter * f0 * (1 + 1e-12)
            assert 0.0 <= s.phase < TWO_PI
        # members sit within ±spread of the group's phase at the onset, so within 2·spread of each other
        ref = TWO_PI * f0 * onset + src.group_phase[g]
        for s in group:
            assert _circ_dist(s.phase, ref) <= spread + 1e-9
        for a in group:
            for b in group:
                assert _circ_dist(a.phase, b.phase) <= 2 * spread + 1e-9
    assert seen_groups == {0, 1, 2}


def test_grouped_stream_deterministic_and_split_consistent():
    a = GroupedStream(4).events(0.0, 30.0)
    src = GroupedStream(4)
    b = src.events(0.0, 12.3) + src.events(12.3, 30.0)
    assert a == b
    assert a != GroupedStream(5).events(0.0, 30.0)


def test_grouped_stream_phases_are_group_coherent_across_bursts():
    """Two bursts of one group are phase-related: the group reference advances at f_g (within spread)."""
    src = GroupedStream(1, frequencies=(2.0,), rate=0.5, members=1, freq_jitter=0.0, phase_spread=0.0)
    evs = src.events(0.0, 100.0)
    assert len(evs) > 10
    for s in evs:
        assert _circ_dist(s.phase, TWO_PI * 2.0 * s.onset + src.group_phase[0]) < 1e-9
        assert s.frequency == 2.0


def test_grouped_stream_ground_truth_reaches_engine_oscillators():
    """Labels are carried into the engine's oscillators untouched (readouts only, RCS §7.1)."""
    freqs = (1.0, 3.0)
    src = GroupedStream(0, frequencies=freqs, rate=1.0, members=2, freq_jitter=0.01)
    eng = Engine(seed=0)
    eng.run(src, 3.0)
    obs = eng.observe()
    assert obs.N > 0
    f_hz = obs.omega.numpy() / TWO_PI
    for lab, f in zip(obs.label.tolist(), f_hz, strict=True):
        assert lab in (0, 1)
        assert abs(f - freqs[lab]) <= 0.01 * freqs[lab] + 1e-9


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"frequencies": ()}, "frequencies"),
        ({"frequencies": (1.0, -1.0)}, "frequencies"),
        ({"frequencies": (math.nan,)}, "frequencies"),
        ({"members": 0}, "members"),
        ({"rate": -1.0}, "rate"),
        ({"freq_jitter": 1.0}, "freq_jitter"),
        ({"freq_jitter": -0.1}, "freq_jitter"),
        ({"duration": (0.0, 1.0)}, "duration"),
        ({"duration": (2.0, 1.0)}, "duration"),
        ({"seed": -3}, "seed"),
    ],
)
def test_grouped_stream_invalid_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        GroupedStream(**kwargs)


# --------------------------------------------------------------------------------------------------
# EventList
# --------------------------------------------------------------------------------------------------


def _some_signals():
    return [
        Signal(2.0, 1.5, 1.0, 0.3, 0.8, 1),
        Signal(0.5, 3.0, 2.0),
        Signal(1.0, 0.7, 0.5, 6.0, 0.0, 0),
        Signal(1.0, 2.2, 0.9, 1.0, 1.0, 2),
    ]


def test_event_list_sorted_and_interval_queries():
    el = EventList(_some_signals())
    onsets = [s.onset for s in el.signals]
    assert onsets == sorted(onsets)
    assert [s.onset for s in el.events(0.0, 10.0)] == [0.5, 1.0, 1.0, 2.0]
    assert [s.onset for s in el.events(1.0, 2.0)] == [1.0, 1.0]  # [t0, t1): 2.0 excluded, 1.0 included
    assert el.events(2.0000001, 5.0) == []
    assert el.events(0.0, 0.5) == []
    assert EventList([]).events(0.0, 1.0) == []


def test_event_list_rejects_non_signals():
    with pytest.raises(TypeError, match="Signal"):
        EventList([Signal(0, 1, 1), (0, 1, 1)])


def test_event_list_json_round_trip(tmp_path):
    el = EventList(_some_signals())
    path = tmp_path / "events.json"
    el.to_file(path)
    assert isinstance(json.loads(path.read_text()), list)
    back = EventList.from_file(path)
    assert back.signals == el.signals
    assert EventList.from_file(str(path)).signals == el.signals


def _write_csv(path, header, rows):
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def test_event_list_csv_required_columns_only(tmp_path):
    path = tmp_path / "ev.csv"
    _write_csv(path, ["onset", "frequency", "duration"], [[1.0, 2.0, 0.5], [0.25, 1.0, 3.0]])
    el = EventList.from_file(path)
    assert el.signals == [Signal(0.25, 1.0, 3.0), Signal(1.0, 2.0, 0.5)]


def test_event_list_csv_with_optional_columns(tmp_path):
    path = tmp_path / "ev.CSV"
    _write_csv(
        path,
        ["onset", "frequency", "duration", "phase", "amplitude", "label", "comment"],
        [[0.5, 2.0, 1.0, 1.25, 0.5, 3, "x"], [0.1, 1.0, 2.0, 0.0, 1.0, "", "unlabelled"]],
    )
    el = EventList.from_file(path)
    assert el.signals == [Signal(0.1, 1.0, 2.0, 0.0, 1.0, -1), Signal(0.5, 2.0, 1.0, 1.25, 0.5, 3)]


def test_event_list_csv_matches_json(tmp_path):
    sigs = _some_signals()
    csv_path = tmp_path / "a.csv"
    _write_csv(
        csv_path,
        ["onset", "frequency", "duration", "phase", "amplitude", "label"],
        [[s.onset, s.frequency, s.duration, s.phase, s.amplitude, s.label] for s in sigs],
    )
    json_path = tmp_path / "a.json"
    EventList(sigs).to_file(json_path)
    assert EventList.from_file(csv_path).signals == EventList.from_file(json_path).signals


def test_event_list_missing_file_names_path(tmp_path):
    path = tmp_path / "nope" / "events.csv"
    with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
        EventList.from_file(path)


@pytest.mark.parametrize(
    "bad_row",
    [
        ["0.5", "nan", "1.0"],  # NaN frequency
        ["0.5", "1.0", "-1.0"],  # negative duration
        ["0.5", "abc", "1.0"],  # non-numeric
        ["0.5", "1.0", ""],  # empty cell
        ["0.5", "1.0"],  # missing cell
    ],
)
def test_event_list_csv_malformed_row_names_row(tmp_path, bad_row):
    path = tmp_path / "bad.csv"
    _write_csv(path, ["onset", "frequency", "duration"], [["0.0", "1.0", "1.0"], bad_row])
    with pytest.raises(ValueError, match=r"row 1") as exc:
        EventList.from_file(path)
    assert "bad.csv" in str(exc.value)


@pytest.mark.parametrize(
    "bad",
    [
        {"onset": 0.0, "frequency": math.nan, "duration": 1.0},
        {"onset": 0.0, "frequency": 1.0, "duration": -2.0},
        {"onset": 0.0, "frequency": "fast", "duration": 1.0},
        {"onset": 0.0, "frequency": 1.0},
        {"onset": 0.0, "frequency": 1.0, "duration": 1.0, "label": "x"},
    ],
)
def test_event_list_json_malformed_row_names_row(tmp_path, bad):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"onset": 0.0, "frequency": 1.0, "duration": 1.0}, bad]))
    with pytest.raises(ValueError, match=r"row 1"):
        EventList.from_file(path)


def test_event_list_json_not_a_list(tmp_path):
    path = tmp_path / "obj.json"
    path.write_text(json.dumps({"onset": 0.0, "frequency": 1.0, "duration": 1.0}))
    with pytest.raises(ValueError, match="list"):
        EventList.from_file(path)


# --------------------------------------------------------------------------------------------------
# GeneratorSource
# --------------------------------------------------------------------------------------------------


class _CountingIter:
    def __init__(self, items):
        self._items = list(items)
        self.pulled = 0

    def __iter__(self):
        return self

    def __next__(self):
        if self.pulled >= len(self._items):
            raise StopIteration
        self.pulled += 1
        return self._items[self.pulled - 1]


def test_generator_source_pulls_lazily_and_respects_interval():
    items = [Signal(float(t), 1.0, 1.0) for t in (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 10.0)]
    it = _CountingIter(items)
    src = GeneratorSource(it)
    assert it.pulled == 0
    assert [s.onset for s in src.events(0.0, 1.0)] == [0.0, 0.5]
    assert it.pulled == 3  # one look-ahead item (onset 1.0) is held, nothing beyond
    assert [s.onset for s in src.events(1.0, 1.0)] == []
    assert [s.onset for s in src.events(1.0, 2.0)] == [1.0, 1.5]
    assert it.pulled == 5
    # items before t0 are skipped, the item at t1 is kept for later
    assert [s.onset for s in src.events(2.5, 3.0)] == []
    assert [s.onset for s in src.events(3.0, 4.0)] == [3.0]
    assert it.pulled == 7
    assert [s.onset for s in src.events(4.0, 100.0)] == [10.0]
    assert src.events(100.0, 200.0) == []


def test_generator_source_infinite_generator():
    def gen():
        k = 0
        while True:
            yield Signal(0.25 * k, 1.0, 1.0)
            k += 1

    src = GeneratorSource(gen())
    assert len(src.events(0.0, 10.0)) == 40
    assert [s.onset for s in src.events(10.0, 11.0)] == [10.0, 10.25, 10.5, 10.75]


def test_generator_source_drives_engine_like_event_list():
    sigs = [Signal(0.3 * k, 1.0 + 0.2 * k, 1.0) for k in range(8)]
    a, b = Engine(seed=0), Engine(seed=0)
    a.run(GeneratorSource(iter(sigs)), 3.0)
    b.run(EventList(sigs), 3.0)
    assert a.counters == b.counters
    assert a.state.osc_id.tolist() == b.state.osc_id.tolist()
    assert a.counters["arrivals"] == len(sigs)


def test_generator_source_unsorted_onsets_raise():
    src = GeneratorSource([Signal(1.0, 1.0, 1.0), Signal(0.5, 1.0, 1.0)])
    with pytest.raises(ValueError, match="sorted"):
        src.events(0.0, 10.0)


def test_generator_source_non_signal_raises():
    src = GeneratorSource([Signal(0.0, 1.0, 1.0), (1.0, 1.0, 1.0)])
    with pytest.raises(TypeError, match="Signal"):
        src.events(0.0, 10.0)


def test_generator_source_invalid_interval():
    with pytest.raises(ValueError, match="interval"):
        GeneratorSource([]).events(1.0, 0.0)


# --------------------------------------------------------------------------------------------------
# regression tests for bugs found and fixed
# --------------------------------------------------------------------------------------------------


def test_event_list_json_non_object_row_names_row(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text(json.dumps([{"onset": 0.0, "frequency": 1.0, "duration": 1.0}, [0.5, 1.0, 1.0]]))
    with pytest.raises(ValueError, match=r"row 1"):
        EventList.from_file(path)


def test_event_list_json_fractional_label_rejected(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text(json.dumps([{"onset": 0.0, "frequency": 1.0, "duration": 1.0, "label": 1.7}]))
    with pytest.raises(ValueError, match=r"row 0"):
        EventList.from_file(path)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"phase_spread": math.nan}, "phase_spread"),
        ({"amplitude": -1.0}, "amplitude"),
        ({"duration": (1.0, math.inf)}, "duration"),
    ],
)
def test_grouped_stream_unvalidated_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        GroupedStream(**kwargs)
