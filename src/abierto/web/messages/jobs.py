"""Jobs admin page (site admins)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "jobs.title": ("Trabajos en segundo plano", "Background jobs"),
    "jobs.intro": (
        "Publicaciones grandes y otras tareas que corren fuera de la petición web.",
        "Large publishes and other work that runs outside the web request.",
    ),
    "jobs.filter": ("Filtrar por estado", "Filter by state"),
    "jobs.all": ("Todos", "All"),
    "jobs.state.queued": ("En cola", "Queued"),
    "jobs.state.running": ("En curso", "Running"),
    "jobs.state.done": ("Terminado", "Done"),
    "jobs.state.failed": ("Fallido", "Failed"),
    "jobs.col.job": ("Trabajo", "Job"),
    "jobs.col.kind": ("Tipo", "Kind"),
    "jobs.col.state": ("Estado", "State"),
    "jobs.col.attempts": ("Intentos", "Attempts"),
    "jobs.col.created": ("Creado", "Created"),
    "jobs.col.started": ("Iniciado", "Started"),
    "jobs.col.finished": ("Terminado", "Finished"),
    "jobs.col.duration": ("Duración", "Duration"),
    "jobs.col.error": ("Último error", "Last error"),
    "jobs.retry": ("Reintentar", "Retry"),
    "jobs.retried": ("El trabajo volvió a la cola.", "The job is queued again."),
    "jobs.not_failed": (
        "Solo un trabajo fallido se puede reintentar.",
        "Only a failed job can be retried.",
    ),
    "jobs.none": ("No hay trabajos en este estado.", "No jobs in this state."),
    "jobs.shown": ("Los {count} más recientes", "The {count} most recent"),
}
