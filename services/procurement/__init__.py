"""Procurement.

The FESC framework: lots, approved suppliers, call-offs, sign-off, contracts, payments, OCDS.
"""
