"""Users, memberships, sessions, API tokens and the one permission function."""

ROLES = ("member", "editor", "admin")  # in increasing order of power
