"""Assurance cycles: one a year, opened by DoH with its framework version and dates."""
