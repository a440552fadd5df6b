"""Sealed bids: price, answers per quality criterion, payment model; and their evaluation scores."""
