"""Earned autonomy: decisions made on publication, revocation by the SHA, oversight."""
