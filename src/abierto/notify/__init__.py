"""Notifications: one row per user and event, shown in a feed and sent by email."""
