"""The SHA-led panel: an SHA assessor leads, assessors from other PCTs sit as peers."""
