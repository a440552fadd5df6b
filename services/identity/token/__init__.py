"""Access and refresh tokens, signing keys and the JWKS."""
