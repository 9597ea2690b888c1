"""Vowel tokens as a stream of transient bursts for the RCS engine (RCS §10 environment, §7 readouts).

Each token j with formants (F1, F2) in Hz becomes, at onset t_j = t_start + j·(duration + gap), two
signals (:class:`~resonant.rcs.stream.Signal`) at f = F1/scale and f = F2/scale (Hz) lasting
``duration`` seconds, with one common random phase θ_j (both formants are excited by the same event).
The vowel label is **not** given to the engine (``Signal.label = -1``): it is kept in a side table
(:attr:`VowelStream.tokens`), keyed by token index, onset time and the oscillator ids the engine will
give the two signals (RCS §7.1: the engine never sees the task).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from resonant.rcs.stream import EventList, Signal

__all__ = ["Token", "VowelStream"]


@dataclass(frozen=True)
class Token:
    """One row of the side table: what the engine must not see.

    ``osc_ids`` are the ids the engine gives the token's two oscillators (F1 first) when this stream is
    the engine's only source and the engine had admitted ``first_osc_id`` oscillators before.
    """

    index: int
    onset: float
    end: float
    label: int
    vowel: str
    F1: float
    F2: float
    osc_ids: tuple[int, int]


class VowelStream:
    """A :class:`~resonant.rcs.stream.SignalSource` emitting one two-oscillator burst per vowel token.

    Args:
        F: (S, 2) formants (F1, F2) in Hz, in the order the tokens are to arrive.
        labels: (S,) integer class of each token (kept in the side table only).
        vowels: (S,) vowel names (side table only); defaults to the label as a string.
        scale: Hz of formant per Hz of signal (f = F/scale), > 0.
        duration: length of each burst (s), > 0.
        gap: silence between the end of one burst and the next onset (s), ≥ 0.
        t_start: onset of the first token (s), ≥ 0.
        amplitude: signal amplitude a, ≥ 0.
        seed: seed of the tokens' common onset phases θ_j ~ U(0, 2π).
        first_osc_id: oscillator ids the engine had used before this stream (for the side table).
    """

    def __init__(
        self,
        F: np.ndarray,
        labels: Sequence[int] | np.ndarray,
        vowels: Sequence[str] | np.ndarray | None = None,
        scale: float = 750.0,
        duration: float = 3.0,
        gap: float = 4.0,
        t_start: float = 0.5,
        amplitude: float = 1.0,
        seed: int = 0,
        first_osc_id: int = 0,
    ) -> None:
        F = np.asarray(F, dtype=float)
        if F.ndim != 2 or F.shape[1] != 2 or F.shape[0] == 0:
            raise ValueError(f"F must have shape (S, 2) with S >= 1 (F1, F2 in Hz), got shape {F.shape}")
        if not np.all(np.isfinite(F)) or np.any(F <= 0):
            bad = int(np.flatnonzero(~(np.isfinite(F) & (F > 0)).all(1))[0])
            raise ValueError(f"formants must be finite and > 0 Hz; token {bad} has F={F[bad].tolist()}")
        lab = np.asarray(labels)
        if lab.shape != (F.shape[0],) or not np.issubdtype(lab.dtype, np.integer):
            raise ValueError(f"labels must be {F.shape[0]} integers, got dtype {lab.dtype} shape {lab.shape}")
        names = np.asarray([str(x) for x in lab] if vowels is None else vowels)
        if names.shape != (F.shape[0],):
            raise ValueError(f"vowels must have length {F.shape[0]}, got shape {names.shape}")
        for name, v, low, strict in (("scale", scale, 0.0, True), ("duration", duration, 0.0, True),
                                     ("gap", gap, 0.0, False), ("t_start", t_start, 0.0, False),
                                     ("amplitude", amplitude, 0.0, False)):
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or \
                    not math.isfinite(float(v)) or (float(v) <= low if strict else float(v) < low):
                raise ValueError(f"{name} must be a finite number {'>' if strict else '>='} {low}, got {v!r}")
        for name, v in (("seed", seed), ("first_osc_id", first_osc_id)):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
                raise ValueError(f"{name} must be a non-negative int, got {v!r}")
        self.scale, self.duration, self.gap = float(scale), float(duration), float(gap)
        self.t_start, self.amplitude, self.seed = float(t_start), float(amplitude), int(seed)
        S = F.shape[0]
        self.period = self.duration + self.gap
        onsets = self.t_start + self.period * np.arange(S)
        theta = np.random.default_rng([self.seed, 0x70C]).uniform(0.0, 2.0 * math.pi, S)
        f = F / self.scale
        signals: list[Signal] = []
        tokens: list[Token] = []
        for j in range(S):
            for q in range(2):  # F1 then F2: ids first_osc_id + 2j, + 2j + 1 (the engine admits in list order)
                signals.append(Signal(float(onsets[j]), float(f[j, q]), self.duration, float(theta[j]),
                                      self.amplitude, -1))
            ids = (int(first_osc_id) + 2 * j, int(first_osc_id) + 2 * j + 1)
            tokens.append(Token(j, float(onsets[j]), float(onsets[j] + self.duration), int(lab[j]), str(names[j]),
                                float(F[j, 0]), float(F[j, 1]), ids))
        self._events = EventList(signals)
        #: The side table (never given to the engine).
        self.tokens: tuple[Token, ...] = tuple(tokens)
        #: Total length of the stream (s): last burst's end plus one gap.
        self.seconds = float(onsets[-1] + self.period)

    def events(self, t0: float, t1: float) -> list[Signal]:
        """The signals with onset in [t0, t1) (labels hidden: −1)."""
        return self._events.events(t0, t1)

    def token_of_oscillator(self) -> dict[int, int]:
        """Oscillator id → token index (side table)."""
        return {oid: tok.index for tok in self.tokens for oid in tok.osc_ids}
