"""Benchmarks: each module in this package exposes `run(ctx: BenchContext) -> dict[str, float]`."""
