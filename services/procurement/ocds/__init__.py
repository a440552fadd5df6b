"""OCDS 1.1 open data: the framework, each call-off, and the change feed for integrators."""
