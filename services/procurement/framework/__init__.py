"""The FESC framework's reference data as the API serves it."""
