"""Support recommendations from assurance's support needs, and each PCT's latest rating."""
