"""Harvest admin page (site admins)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "nav.harvest": ("Cosecha", "Harvest"),
    "harvest.title": ("Cosecha de catálogos remotos", "Harvesting remote catalogs"),
    "harvest.intro": (
        "Portales CKAN y catálogos DCAT (data.json) cuyos conjuntos de datos públicos se copian "
        "a una organización de este portal. Ejecuta las cosechas con regularidad con "
        "«abierto harvest run» (cron o un temporizador de systemd).",
        "CKAN portals and DCAT catalogs (data.json) whose public datasets are copied into an "
        "organization of this portal. Run harvests regularly with “abierto harvest run” "
        "(cron or a systemd timer).",
    ),
    "harvest.notice.added": ("Fuente agregada.", "Source added."),
    "harvest.notice.queued": (
        "La cosecha está en la cola de trabajos.",
        "The harvest is in the job queue.",
    ),
    "harvest.notice.missing": ("Esa fuente no existe.", "That source does not exist."),
    "harvest.col.source": ("Fuente", "Source"),
    "harvest.col.kind": ("Tipo", "Kind"),
    "harvest.col.organization": ("Organización", "Organization"),
    "harvest.col.datasets": ("Conjuntos", "Datasets"),
    "harvest.col.last_run": ("Última cosecha", "Last run"),
    "harvest.col.status": ("Estado", "Status"),
    "harvest.col.counts": ("Resultado", "Result"),
    "harvest.status.running": ("En curso", "Running"),
    "harvest.status.done": ("Terminada", "Done"),
    "harvest.status.failed": ("Fallida", "Failed"),
    "harvest.never": ("Nunca", "Never"),
    "harvest.inactive": ("Inactiva", "Inactive"),
    "harvest.counts": (
        "{created} nuevos, {updated} actualizados, {unchanged} sin cambios, "
        "{withdrawn} retirados, {skipped} omitidos",
        "{created} created, {updated} updated, {unchanged} unchanged, "
        "{withdrawn} withdrawn, {skipped} skipped",
    ),
    "harvest.skipped_reasons": ("Omitidos y por qué", "Skipped, and why"),
    "harvest.full": ("Completa", "Full"),
    "harvest.run_now": ("Cosechar ahora", "Run now"),
    "harvest.none": ("Todavía no hay fuentes.", "No sources yet."),
    "harvest.add": ("Agregar una fuente", "Add a source"),
    "harvest.field.url": (
        "Dirección del portal CKAN o del data.json",
        "Address of the CKAN portal or of the data.json",
    ),
    "harvest.field.kind": ("Tipo", "Kind"),
    "harvest.kind.ckan": ("CKAN (API de acciones)", "CKAN (Action API)"),
    "harvest.kind.dcat": ("DCAT-US data.json", "DCAT-US data.json"),
    "harvest.field.organization": (
        "Organización que recibe los conjuntos",
        "Organization the datasets go into",
    ),
    "harvest.field.title": ("Nombre (opcional)", "Name (optional)"),
    "harvest.add_button": ("Agregar", "Add"),
}
