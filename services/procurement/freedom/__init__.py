"""Earned-autonomy freedoms of each PCT, kept from assurance's autonomy events (a read model)."""
