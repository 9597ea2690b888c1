"""Reports built from plain run records (never import the engine)."""

from resonant.reports.stream_report import write_stream_report

__all__ = ["write_stream_report"]
