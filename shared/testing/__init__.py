"""Test harness: real PostgreSQL and Kafka, service apps, and tokens (pytest plugin)."""
