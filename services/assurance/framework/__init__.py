"""The versioned WCC frameworks (reference data), read-only over the API."""
