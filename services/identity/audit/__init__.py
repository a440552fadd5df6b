"""The audit log of security events (logins, lockouts, role changes, key rotation)."""
