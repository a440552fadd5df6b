"""Payments: each contract's schedule and the explained payment lines of each period."""
