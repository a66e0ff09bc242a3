"""Notifications page."""

MESSAGES: dict[str, tuple[str, str]] = {
    "notify.title": ("Avisos", "Notifications"),
    "notify.unread": ("{count} sin leer", "{count} unread"),
    "notify.atom": ("Canal Atom", "Atom feed"),
    "notify.mark_read": ("Marcar todo como leído", "Mark all as read"),
    "notify.none": ("No tienes avisos.", "You have no notifications."),
}
