"""Benchmarks of the platform against a real Kafka broker and real PostgreSQL.

Run with ``python -m bench`` (``make bench``); results go to ``bench/results/latest.json``.
"""
