"""The lesson's speed benchmark: python -m benchmarks.run_benchmarks (see README.md here)."""
