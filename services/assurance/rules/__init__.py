"""Pure domain rules of World Class Commissioning assurance.

No database, HTTP or Kafka here: the functions take reference data (loaded from the versioned
files in services/assurance/reference/) and plain values, and return plain values. Dates come
from the domain (cycle dates passed in), never from the wall clock. See docs/assurance-rules.md.
"""
