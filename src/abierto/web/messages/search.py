"""Text of the search page."""

MESSAGES: dict[str, tuple[str, str]] = {
    "search.title": ("Buscar datos", "Search data"),
    "search.results": ("{n} conjuntos de datos", "{n} datasets"),
    "search.results_for": ("{n} resultados para «{q}»", "{n} results for “{q}”"),
    "search.none": (
        "No encontramos conjuntos de datos. Prueba con otras palabras o quita filtros.",
        "No datasets found. Try other words or remove filters.",
    ),
    "search.sort": ("Ordenar por", "Sort by"),
    "search.sort.relevance": ("Relevancia", "Relevance"),
    "search.sort.modified": ("Actualizados recientemente", "Recently updated"),
    "search.sort.name": ("Nombre", "Name"),
    "search.apply": ("Aplicar", "Apply"),
    "search.filters": ("Filtros", "Filters"),
    "search.clear": ("Quitar filtros", "Clear filters"),
    "search.updated": ("Actualizado", "Updated"),
    "search.page": ("Página {page} de {pages}", "Page {page} of {pages}"),
    "search.previous": ("Anterior", "Previous"),
    "search.next": ("Siguiente", "Next"),
    "facet.organization": ("Organización", "Organization"),
    "facet.theme": ("Tema", "Theme"),
    "facet.tag": ("Etiqueta", "Tag"),
    "facet.format": ("Formato", "Format"),
    "facet.license": ("Licencia", "Licence"),
    "facet.frequency": ("Frecuencia de actualización", "Update frequency"),
}
