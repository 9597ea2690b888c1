"""Signal sources for the RCS stream environment (RCS §10).

A signal is a transient sinusoid x(t) = a·cos(2πf(t − t₀) + θ) for t ∈ [t₀, t₀ + duration).
The engine turns each signal into one oscillator (ω = 2πf, φ = the signal's phase, amplitude
driven by a), which rings down after the signal ends and then leaves.

Any object with an ``events(t0, t1)`` method returning the signals whose onset lies in
[t0, t1) is a :class:`SignalSource`. Provided here:

* :class:`PaperStream` -- the paper's stream: Poisson arrivals (0.9 Hz), f ~ U(0.6, 4.5) Hz,
  duration ~ U(0.8, 2.8) s, uniform random phase, amplitude 1;
* :class:`GroupedStream` -- signals in frequency groups whose members are phase-related,
  with the group label as ground truth;
* :class:`EventList` -- a fixed list of events (from Python, or a CSV/JSON file);
* :class:`GeneratorSource` -- wraps any iterable of events sorted by onset.

Sources are stateless functions of time (events in a chunk of time depend only on the seed
and the chunk), so a checkpointed run resumes without storing the source.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = [
    "EventList",
    "GeneratorSource",
    "GroupedStream",
    "PaperStream",
    "Signal",
    "SignalSource",
]


@dataclass(frozen=True)
class Signal:
    """One transient signal.

    Attributes:
        onset: start time t₀ (s), ≥ 0.
        frequency: f (Hz), > 0.
        duration: length of the drive (s), > 0.
        phase: θ, the signal's phase at onset (rad).
        amplitude: a ≥ 0, the drive's amplitude (dimensionless).
        label: ground-truth group (−1 if none). Never used by the dynamics: it is carried for
            readouts only (RCS §7.1).
    """

    onset: float
    frequency: float
    duration: float
    phase: float = 0.0
    amplitude: float = 1.0
    label: int = -1

    def __post_init__(self) -> None:
        for name in ("onset", "frequency", "duration", "phase", "amplitude"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
                raise TypeError(f"Signal.{name} must be a real number, got {type(value).__name__} {value!r}")
            if not math.isfinite(float(value)):
                raise ValueError(f"Signal.{name} must be finite, got {value!r}")
        if isinstance(self.label, bool) or not isinstance(self.label, (int, np.integer)):
            raise TypeError(f"Signal.label must be an int, got {type(self.label).__name__} {self.label!r}")
        if self.onset < 0:
            raise ValueError(f"Signal.onset must be >= 0 s, got {self.onset!r}")
        if self.frequency <= 0:
            raise ValueError(f"Signal.frequency must be > 0 Hz, got {self.frequency!r}")
        if self.duration <= 0:
            raise ValueError(f"Signal.duration must be > 0 s, got {self.duration!r}")
        if self.amplitude < 0:
            raise ValueError(f"Signal.amplitude must be >= 0, got {self.amplitude!r}")

    def phase_at(self, t: float) -> float:
        """The signal's phase 2πf(t − t₀) + θ at time t (rad, unwrapped)."""
        return 2.0 * math.pi * self.frequency * (t - self.onset) + self.phase


@runtime_checkable
class SignalSource(Protocol):
    """Anything that can list the signals with onset in [t0, t1)."""

    def events(self, t0: float, t1: float) -> list[Signal]: ...


def _check_interval(t0: float, t1: float) -> None:
    if not (math.isfinite(t0) and math.isfinite(t1)) or t1 < t0 or t0 < 0:
        raise ValueError(f"invalid time interval [t0={t0!r}, t1={t1!r}): need 0 <= t0 <= t1 < inf")


def _check_number(name: str, value: object, low: float | None = None, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    v = float(value)
    if not math.isfinite(v) or (low is not None and (v <= low if positive else v < low)):
        bound = "" if low is None else (f" > {low}" if positive else f" >= {low}")
        raise ValueError(f"{name} must be finite{bound}, got {value!r}")
    return v


class _ChunkedSource:
    """Events generated per chunk of ``chunk`` seconds from a generator seeded by (seed, chunk)."""

    chunk: float = 1.0

    def __init__(self, seed: int) -> None:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed!r}")
        self.seed = int(seed)
        self._cache: dict[int, list[Signal]] = {}

    def _chunk_events(self, j: int, rng: np.random.Generator) -> list[Signal]:  # pragma: no cover
        raise NotImplementedError

    def _get_chunk(self, j: int) -> list[Signal]:
        if j not in self._cache:
            rng = np.random.default_rng([self.seed, j, 0x5E50])
            self._cache[j] = sorted(self._chunk_events(j, rng), key=lambda s: s.onset)
            if len(self._cache) > 64:  # bounded memory for open-ended streams
                self._cache.pop(min(self._cache))
        return self._cache[j]

    def events(self, t0: float, t1: float) -> list[Signal]:
        _check_interval(t0, t1)
        out: list[Signal] = []
        for j in range(int(math.floor(t0 / self.chunk)), int(math.floor(t1 / self.chunk)) + 1):
            out.extend(s for s in self._get_chunk(j) if t0 <= s.onset < t1)
        return out


class PaperStream(_ChunkedSource):
    """The stream of RCS §10: Poisson arrivals of transient sinusoids.

    Args:
        seed: stream seed (the same seed gives the same events, for any dt).
        rate: arrival rate λ (Hz, events per second), default 0.9.
        f_range: (low, high) frequency range (Hz) of the uniform draw, default (0.6, 4.5).
        duration_range: (low, high) duration range (s), default (0.8, 2.8).
        amplitude: signal amplitude a, default 1.
    """

    def __init__(
        self,
        seed: int = 0,
        rate: float = 0.9,
        f_range: tuple[float, float] = (0.6, 4.5),
        duration_range: tuple[float, float] = (0.8, 2.8),
        amplitude: float = 1.0,
    ) -> None:
        super().__init__(seed)
        _check_number("rate", rate, 0.0)
        if not (0 < f_range[0] <= f_range[1] and math.isfinite(f_range[1])):
            raise ValueError(f"f_range must satisfy 0 < low <= high < inf (Hz), got {f_range!r}")
        if not (0 < duration_range[0] <= duration_range[1] and math.isfinite(duration_range[1])):
            raise ValueError(f"duration_range must satisfy 0 < low <= high < inf (s), got {duration_range!r}")
        _check_number("amplitude", amplitude, 0.0)
        self.rate, self.f_range, self.duration_range, self.amplitude = rate, f_range, duration_range, amplitude

    def _chunk_events(self, j: int, rng: np.random.Generator) -> list[Signal]:
        n = int(rng.poisson(self.rate * self.chunk))
        onsets = j * self.chunk + rng.uniform(0.0, self.chunk, n)
        freqs = rng.uniform(*self.f_range, n)
        durs = rng.uniform(*self.duration_range, n)
        phases = rng.uniform(0.0, 2.0 * math.pi, n)
        return [
            Signal(float(o), float(f), float(d), float(p), self.amplitude)
            for o, f, d, p in zip(onsets, freqs, durs, phases, strict=True)
        ]


class GroupedStream(_ChunkedSource):
    """Signals in frequency groups with known ground truth.

    Each group g has a frequency f_g and a reference phase. Group bursts arrive as a Poisson
    process (``rate`` bursts per second over all groups); a burst of group g brings
    ``members`` signals at f_g·(1 + jitter) whose phases are the group's phase at the onset
    plus a small offset (``phase_spread``, rad): members of a group are phase-related, members
    of different groups are not. ``label`` is the group index.

    Args:
        seed: stream seed.
        frequencies: group frequencies f_g (Hz).
        rate: burst rate (Hz).
        members: signals per burst.
        duration: (low, high) duration range (s).
        freq_jitter: relative frequency jitter of members (uniform in ±jitter).
        phase_spread: members' phase offsets are uniform in ±phase_spread (rad).
        amplitude: signal amplitude.
    """

    def __init__(
        self,
        seed: int = 0,
        frequencies: Sequence[float] = (1.0, 3.0),
        rate: float = 0.5,
        members: int = 3,
        duration: tuple[float, float] = (3.0, 5.0),
        freq_jitter: float = 0.01,
        phase_spread: float = 0.3,
        amplitude: float = 1.0,
    ) -> None:
        super().__init__(seed)
        if len(frequencies) == 0 or any(not (math.isfinite(f) and f > 0) for f in frequencies):
            raise ValueError(f"frequencies must be a non-empty list of positive Hz values, got {frequencies!r}")
        if isinstance(members, bool) or not isinstance(members, (int, np.integer)) or members < 1:
            raise ValueError(f"members must be an int >= 1, got {members!r}")
        _check_number("rate", rate, 0.0)
        if not (0 <= _check_number("freq_jitter", freq_jitter, 0.0) < 1):
            raise ValueError(f"freq_jitter must be in [0, 1), got {freq_jitter!r}")
        if not (0 < _check_number("duration[0]", duration[0]) <= _check_number("duration[1]", duration[1])):
            raise ValueError(f"duration must satisfy 0 < low <= high < inf (s), got {duration!r}")
        _check_number("phase_spread", phase_spread, 0.0)
        _check_number("amplitude", amplitude, 0.0)
        self.frequencies = tuple(float(f) for f in frequencies)
        self.rate, self.members, self.duration = rate, int(members), duration
        self.freq_jitter, self.phase_spread, self.amplitude = freq_jitter, phase_spread, amplitude
        ref = np.random.default_rng([self.seed, 0x9A0])
        self.group_phase = ref.uniform(0.0, 2.0 * math.pi, len(self.frequencies))

    def _chunk_events(self, j: int, rng: np.random.Generator) -> list[Signal]:
        out: list[Signal] = []
        n = int(rng.poisson(self.rate * self.chunk))
        for onset in j * self.chunk + rng.uniform(0.0, self.chunk, n):
            g = int(rng.integers(len(self.frequencies)))
            f0 = self.frequencies[g]
            base = 2.0 * math.pi * f0 * onset + self.group_phase[g]
            dur = float(rng.uniform(*self.duration))
            for _ in range(self.members):
                f = f0 * (1.0 + rng.uniform(-self.freq_jitter, self.freq_jitter))
                ph = float((base + rng.uniform(-self.phase_spread, self.phase_spread)) % (2.0 * math.pi))
                out.append(Signal(float(onset), float(f), dur, ph, self.amplitude, g))
        return out


class EventList:
    """A fixed, finite list of signals (from Python objects, or a CSV / JSON file)."""

    def __init__(self, signals: Iterable[Signal]) -> None:
        items = list(signals)
        for s in items:
            if not isinstance(s, Signal):
                raise TypeError(f"EventList takes Signal objects, got {type(s).__name__} {s!r}")
        self.signals = sorted(items, key=lambda s: s.onset)
        self._onsets = np.array([s.onset for s in self.signals], dtype=float)

    @classmethod
    def from_file(cls, path: str | Path) -> EventList:
        """Read events from CSV (header: onset,frequency,duration[,phase,amplitude,label]) or JSON
        (a list of objects with those keys)."""
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"signal file not found: {str(path)!r}")
        if path.suffix.lower() == ".json":
            rows = json.loads(path.read_text())
            if not isinstance(rows, list):
                raise ValueError(f"{path}: expected a JSON list of event objects")
        else:
            with path.open(newline="") as fh:
                rows = list(csv.DictReader(fh))
        sigs = []
        for n, row in enumerate(rows):
            try:
                if not isinstance(row, dict):
                    raise ValueError(f"expected an object with keys onset, frequency, duration, got {row!r}")
                kw: dict[str, float | int] = {
                    k: float(v) for k, v in row.items() if k in ("onset", "frequency", "duration", "phase", "amplitude")
                }
                if "label" in row and row["label"] not in ("", None):
                    lab = float(row["label"])
                    if not lab.is_integer():
                        raise ValueError(f"label must be an integer, got {row['label']!r}")
                    kw["label"] = int(lab)
                sigs.append(Signal(**kw))  # type: ignore[arg-type]
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{path}: bad event in row {n}: {exc}") from exc
        return cls(sigs)

    def to_file(self, path: str | Path) -> None:
        """Write the events as CSV (``.csv``) or JSON (anything else); :meth:`from_file` reads both back."""
        path = Path(path)
        rows = [asdict(s) for s in self.signals]
        if path.suffix.lower() == ".csv":
            names = ["onset", "frequency", "duration", "phase", "amplitude", "label"]
            with path.open("w", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=names)
                w.writeheader()
                w.writerows(rows)
        else:
            path.write_text(json.dumps(rows, indent=1))

    def events(self, t0: float, t1: float) -> list[Signal]:
        _check_interval(t0, t1)
        a, b = np.searchsorted(self._onsets, [t0, t1], side="left")
        return self.signals[a:b]


class GeneratorSource:
    """Wraps an iterator of :class:`Signal` sorted by onset (an open-ended user generator).

    Events are pulled lazily; onsets must be non-decreasing. Not checkpointable in general:
    a resumed run needs a source that can restart at a time (e.g. :class:`EventList`).
    """

    def __init__(self, signals: Iterable[Signal]) -> None:
        self._it: Iterator[Signal] = iter(signals)
        self._pending: Signal | None = None
        self._last = -math.inf

    def events(self, t0: float, t1: float) -> list[Signal]:
        _check_interval(t0, t1)
        out: list[Signal] = []
        while True:
            if self._pending is None:
                try:
                    nxt = next(self._it)
                except StopIteration:
                    return out
                if not isinstance(nxt, Signal):
                    raise TypeError(f"GeneratorSource yielded {type(nxt).__name__} {nxt!r}, expected Signal")
                if nxt.onset < self._last:
                    raise ValueError(f"GeneratorSource onsets must be sorted: {nxt.onset} after {self._last}")
                self._last = nxt.onset
                self._pending = nxt
            if self._pending.onset >= t1:
                return out
            if self._pending.onset >= t0:
                out.append(self._pending)
            self._pending = None
