"""Benchmarks: each module measures one thing beside a baseline from the same run.

`trading-terminal bench` (terminal.bench.runner) runs them all, each in its own process,
and prints one table; each module also runs alone with `python -m terminal.bench.<name>`.
"""
