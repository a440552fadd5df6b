"""Support needs found on publication, and external support bought through procurement."""
