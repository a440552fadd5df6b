"""The append-only history of every long-lived object: who, when, and a JSON Patch of the change."""
