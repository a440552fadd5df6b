"""Users and service accounts: membership of one organisation, roles, passwords."""
