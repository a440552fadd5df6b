"""Approved framework suppliers: the lists and groupings each may be invited for, and status."""
