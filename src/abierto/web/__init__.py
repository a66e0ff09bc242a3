"""The web portal and JSON API."""
