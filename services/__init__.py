"""The four services: identity, assurance, procurement, market."""
