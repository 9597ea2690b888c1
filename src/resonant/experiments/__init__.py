"""Experiments: runs of the engines that produce records and reports (never imported by an engine)."""
