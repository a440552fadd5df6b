"""Procurement requests: what a PCT wants to buy, its business case and the approvals it needs."""
