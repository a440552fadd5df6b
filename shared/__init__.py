"""Infrastructure shared by the four services: config, database, errors, auth, events, testing.

Nothing here holds a domain rule or an ORM model of a domain aggregate.
"""
