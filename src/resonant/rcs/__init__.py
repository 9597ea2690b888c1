"""Resonant Compression Systems (RCS): the engine, its configuration, signal sources and metrics."""

from resonant.rcs.config import RCSConfig
from resonant.rcs.engine import Engine, Observation, Summary
from resonant.rcs.stream import EventList, GeneratorSource, GroupedStream, PaperStream, Signal, SignalSource

__all__ = [
    "Engine",
    "EventList",
    "GeneratorSource",
    "GroupedStream",
    "Observation",
    "PaperStream",
    "RCSConfig",
    "Signal",
    "SignalSource",
    "Summary",
]
