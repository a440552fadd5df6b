"""Identity: organisations, users, roles, tokens and the audit of security events."""
