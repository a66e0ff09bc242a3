"""Users, memberships, sessions, API tokens and the one permission function."""
