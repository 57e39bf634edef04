"""Operator tools: the local broker, secured broker and cluster, bench, chaos, drills, demo, eval,
probes. Nothing in production imports them (tests/test_layout.py)."""
