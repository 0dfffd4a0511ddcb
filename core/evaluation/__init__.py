"""Benchmark evaluation: metrics, data loaders, the benchmark protocol and its reports.

``metrics`` implements shared/METRICS.md; ``loaders`` reads the UMT-layout benchmarks and the
QVHighlights jsonl; ``protocol`` runs one (split, seed); ``bench`` runs them all and writes
predictions, metrics and summary files; ``evaluate`` computes metrics from predictions files.
"""
