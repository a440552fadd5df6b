"""Contracts: awarded after standstill, signed by both parties, paid by their payment model."""
