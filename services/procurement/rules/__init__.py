"""Pure domain rules of FESC procurement (packages, approvals, evaluation, payments, OCDS).

No database, HTTP or Kafka here: the functions take the framework's reference data (loaded from
the versioned files in services/procurement/reference/) and plain values, and return plain
values. Money is integer pence; dates come from the domain (contract start, decision dates),
never from the wall clock. See docs/procurement-rules.md.
"""
