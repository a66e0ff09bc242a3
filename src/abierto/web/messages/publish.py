"""Publishing and editing datasets in the browser (editors)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "publish.title": ("Publicar datos", "Publish data"),
    "publish.step.file": ("Archivo", "File"),
    "publish.step.report": ("Revisión", "Review"),
    "publish.step.metadata": ("Metadatos", "Metadata"),
    "publish.step.publish": ("Publicación", "Publish"),
    "publish.cancel": ("Cancelar y borrar el archivo", "Cancel and delete the file"),
    "publish.choose": ("— elige —", "— choose —"),
    "publish.not_open": ("no abierta", "not open"),
    # step 1
    "publish.start.where": ("¿Dónde se publica?", "Where does it go?"),
    "publish.start.dataset": ("Conjunto de datos", "Dataset"),
    "publish.start.new_dataset": ("Un conjunto de datos nuevo", "A new dataset"),
    "publish.start.new_help": (
        "Para uno nuevo, elige la organización y escribe su título.",
        "For a new one, choose the organization and type its title.",
    ),
    "publish.start.new_title": ("Título del conjunto nuevo", "Title of the new dataset"),
    "publish.start.file": ("El archivo", "The file"),
    "publish.start.upload": ("Sube un archivo", "Upload a file"),
    "publish.start.url": ("o da su dirección (http/https)", "or give its address (http/https)"),
    "publish.start.limits": (
        "CSV, Excel, JSON, PDF o ZIP, hasta {mb} MB. Nada se publica hasta el último paso.",
        "CSV, Excel, JSON, PDF or ZIP, up to {mb} MB. Nothing is published until the last step.",
    ),
    "publish.start.submit": ("Subir y revisar", "Upload and review"),
    # step 2
    "publish.report.title": ("Revisa lo que se leyó", "Review what was read"),
    "publish.report.file": ("Archivo", "File"),
    "publish.report.size": ("Tamaño", "Size"),
    "publish.report.target": ("Destino", "Destination"),
    "publish.report.new_dataset": ("conjunto nuevo", "new dataset"),
    "publish.report.table": ("Tabla", "Table"),
    "publish.report.columns": ("columnas", "columns"),
    "publish.report.detected": ("Cómo se leyó", "How it was read"),
    "publish.detected.format": ("Formato", "Format"),
    "publish.detected.encoding": ("Codificación de caracteres", "Character encoding"),
    "publish.detected.encoding_confidence": ("Confianza en la codificación", "Encoding confidence"),
    "publish.detected.encoding_reason": ("Por qué esa codificación", "Why that encoding"),
    "publish.detected.delimiter": ("Separador de columnas", "Column separator"),
    "publish.detected.header_row": ("Fila de encabezados", "Header row"),
    "publish.detected.header_rows": ("Filas de encabezado", "Header rows"),
    "publish.detected.line_endings": ("Fin de línea", "Line endings"),
    "publish.detected.sheet": ("Hoja", "Sheet"),
    "publish.detected.table_index": ("Tabla número", "Table number"),
    "publish.detected.data_rows": ("Filas de datos", "Data rows"),
    "publish.detected.columns": ("Columnas", "Columns"),
    "publish.detected.merged_data_cells": ("Celdas combinadas", "Merged cells"),
    "publish.detected.hidden": ("Hoja oculta", "Hidden sheet"),
    "publish.detected.records_path": ("Ruta de los registros", "Records path"),
    "publish.detected.pages": ("Páginas", "Pages"),
    "publish.detected.archive_member": ("Archivo dentro del ZIP", "File inside the ZIP"),
    "publish.report.diff": ("Cambios de esquema", "Schema changes"),
    "publish.report.first": (
        "Primera versión de esta tabla: no hay con qué comparar.",
        "First release of this table: nothing to compare with.",
    ),
    "publish.report.against": ("Frente a la versión {n}:", "Against release {n}:"),
    "publish.report.confirm_rename": (
        "Confirmo: «{new}» es la columna «{old}» con otro nombre (conserva «{old}»)",
        "Confirm: '{new}' is column '{old}' renamed (keep '{old}')",
    ),
    "publish.report.confidence": ("parecido", "similarity"),
    "publish.report.analysing": (
        "Analizando el archivo: es grande y se lee en segundo plano…",
        "Analysing the file: it is big and is read in the background…",
    ),
    "publish.report.analysing_help": (
        "Esta página se actualiza sola y muestra el informe en cuanto esté listo.",
        "This page refreshes itself and shows the report as soon as it is ready.",
    ),
    "publish.report.next": ("Continuar a los metadatos", "Continue to the metadata"),
    "publish.report.unreadable": ("No se pudo leer el archivo:", "The file cannot be read:"),
    "publish.report.unreadable_help": (
        "Corrige el archivo y súbelo de nuevo. Nada se publicó.",
        "Fix the file and upload it again. Nothing was published.",
    ),
    # step 3
    "publish.metadata.title": ("Describe los datos", "Describe the data"),
    "publish.metadata.renames": ("Cambios de nombre confirmados:", "Confirmed renames:"),
    "publish.metadata.submit": ("Publicar", "Publish"),
    "publish.metadata.back": ("Volver a la revisión", "Back to the review"),
    "publish.fieldset.description": ("Descripción", "Description"),
    "publish.fieldset.terms": ("Licencia y actualización", "Licence and updates"),
    "publish.fieldset.coverage": ("Cobertura y contacto", "Coverage and contact"),
    "publish.fieldset.visibility": ("Visibilidad", "Visibility"),
    "publish.field.title": ("Título", "Title"),
    "publish.field.description": ("Descripción", "Description"),
    "publish.field.tags": ("Etiquetas", "Tags"),
    "publish.field.themes": ("Temas", "Themes"),
    "publish.field.language": ("Idioma de los datos", "Language of the data"),
    "publish.field.license_id": ("Licencia", "Licence"),
    "publish.field.frequency": ("Frecuencia de actualización", "Update frequency"),
    "publish.field.temporal_start": ("Periodo: desde", "Period: from"),
    "publish.field.temporal_end": ("Periodo: hasta", "Period: to"),
    "publish.field.spatial": ("Cobertura geográfica", "Geographic coverage"),
    "publish.field.contact_name": ("Contacto: nombre", "Contact: name"),
    "publish.field.contact_email": ("Contacto: correo", "Contact: email"),
    "publish.field.private": (
        "Privado: solo lo ven los miembros de la organización",
        "Private: only members of the organization see it",
    ),
    "publish.state.published": ("Publicado", "Published"),
    "publish.state.draft": ("Borrador", "Draft"),
    "publish.help.description": (
        "Qué contiene, de dónde viene, cómo se produce. Admite Markdown.",
        "What it holds, where it comes from, how it is made. Markdown allowed.",
    ),
    "publish.help.tags": ("Separadas por comas.", "Separated by commas."),
    "publish.help.spatial": (
        "Un lugar o su clave INEGI, p. ej. «Zapopan» o «14120».",
        "A place or its INEGI key, e.g. 'Zapopan' or '14120'.",
    ),
    "publish.help.visibility": (
        "Un borrador o un conjunto privado no aparece en el catálogo público.",
        "A draft or a private dataset does not appear in the public catalog.",
    ),
    # publish failed, forbidden
    "publish.failed.title": ("No se publicó", "Not published"),
    "publish.failed.body": (
        "Nada cambió: la versión anterior sigue publicada tal como estaba.",
        "Nothing changed: the previous release is still published as it was.",
    ),
    "publish.failed.again": ("Empezar de nuevo", "Start again"),
    # publishing in the background (big files)
    "publish.job.title": ("Publicación en segundo plano", "Publishing in the background"),
    "publish.job.asked": ("Pedida", "Asked for"),
    "publish.job.queued": (
        "El archivo es grande: espera su turno para publicarse.",
        "The file is big: it is waiting its turn to be published.",
    ),
    "publish.job.running": ("Publicando el archivo…", "Publishing the file…"),
    "publish.job.wait": (
        "Esta página se actualiza sola. Puedes cerrarla: la publicación sigue.",
        "This page refreshes itself. You may close it: publishing goes on.",
    ),
    "publish.job.see_dataset": ("Ver el conjunto de datos", "See the dataset"),
    "publish.job.try_again": ("Volver a los metadatos", "Back to the metadata"),
    "publish.job.error.forbidden": (
        "Tu cuenta ya no puede publicar en este conjunto de datos u organización.",
        "Your account may no longer publish in this dataset or organization.",
    ),
    "publish.job.error.organization": (
        "La organización ya no existe.",
        "The organization no longer exists.",
    ),
    "publish.job.error.slug": (
        "Otras personas crearon al mismo tiempo conjuntos con este título; cámbialo y publica.",
        "Others created datasets with this title at the same time; change it and publish.",
    ),
    "publish.job.error.metadata": (
        "Los metadatos ya no son válidos (¿se borró un tema?); revísalos.",
        "The metadata is no longer valid (was a theme deleted?); check it.",
    ),
    "publish.job.error.missing_file": (
        "El archivo subido ya no está guardado; súbelo de nuevo.",
        "The uploaded file is no longer stored; upload it again.",
    ),
    "publish.job.error.unexpected": (
        "Error inesperado al publicar ({name}); quien administra el portal puede verlo.",
        "Unexpected error while publishing ({name}); the portal's admins can see it.",
    ),
    "publish.forbidden.title": ("Sin permiso", "Not allowed"),
    "publish.forbidden.body": (
        "Tu cuenta no puede hacer esto. Pide a quien administra la organización el papel "
        "de editor.",
        "Your account cannot do this. Ask an admin of the organization for the editor role.",
    ),
    # notices after a redirect
    "publish.notice.published": ("Se publicó la nueva versión.", "The new release is published."),
    "publish.notice.unchanged": (
        "El archivo es idéntico a la última versión: no se creó otra; los metadatos se guardaron.",
        "The file is identical to the last release: no new one was made; the metadata was saved.",
    ),
    "publish.notice.saved": ("Cambios guardados.", "Changes saved."),
    "publish.notice.deleted": ("Se borró el conjunto de datos.", "The dataset was deleted."),
    "publish.notice.link_added": ("Se agregó el recurso.", "The resource was added."),
    "publish.notice.link_removed": ("Se quitó el recurso.", "The resource was removed."),
    # editing
    "publish.edit.title": ("Editar el conjunto de datos", "Edit the dataset"),
    "publish.edit.new_release": ("Publicar una versión nueva", "Publish a new release"),
    "publish.edit.delete": ("Borrar el conjunto de datos", "Delete the dataset"),
    "publish.edit.columns": ("Descripción de las columnas", "Column descriptions"),
    "publish.edit.column_description": ("Descripción", "Description"),
    "publish.edit.save": ("Guardar", "Save"),
    "publish.links.title": ("Archivos y enlaces", "Files and links"),
    "publish.links.none": ("Sin archivos ni enlaces.", "No files or links."),
    "publish.links.add": ("Agregar un archivo o enlace", "Add a file or link"),
    "publish.links.kind": ("Tipo", "Kind"),
    "publish.links.kind.file": ("Archivo (PDF, documento…)", "File (PDF, document…)"),
    "publish.links.kind.link": ("Enlace (página, API…)", "Link (page, API…)"),
    "publish.links.format": ("Formato", "Format"),
    "publish.links.submit": ("Agregar", "Add"),
    "publish.links.remove": ("Quitar", "Remove"),
    # deleting
    "publish.delete.title": ("Borrar el conjunto de datos", "Delete the dataset"),
    "publish.delete.body": (
        "Se borran el conjunto, sus {resources} recursos y todas sus versiones. No se puede "
        "deshacer; el registro de actividad conserva constancia.",
        "The dataset, its {resources} resources and all their releases are deleted. This "
        "cannot be undone; the activity log keeps a record.",
    ),
    "publish.delete.blobs": (
        "Los archivos de las versiones quedan en el almacén hasta la próxima limpieza "
        "(abierto gc).",
        "The release files stay in storage until the next clean-up (abierto gc).",
    ),
    "publish.delete.type_slug": ("Para confirmar, escribe", "To confirm, type"),
    "publish.delete.submit": ("Borrar para siempre", "Delete for good"),
    "publish.delete.back": ("No, volver", "No, go back"),
    "publish.delete.mismatch": (
        "El texto no coincide con el identificador; no se borró nada.",
        "The text does not match the identifier; nothing was deleted.",
    ),
    # errors
    "publish.error.fix_below": (
        "Revisa los campos marcados abajo.",
        "Check the fields marked below.",
    ),
    "publish.error.required": ("Este campo es obligatorio.", "This field is required."),
    "publish.error.too_long": ("Máximo {n} caracteres.", "At most {n} characters."),
    "publish.error.choice": ("Elige una opción de la lista.", "Choose an option from the list."),
    "publish.error.date": (
        "«{value}» no es una fecha (AAAA-MM-DD).",
        "'{value}' is not a date (YYYY-MM-DD).",
    ),
    "publish.error.date_order": (
        "El final del periodo es anterior a su inicio.",
        "The period ends before it starts.",
    ),
    "publish.error.email": ("No es un correo electrónico.", "Not an email address."),
    "publish.error.language": ("Código de idioma no válido.", "Not a language code."),
    "publish.error.tags": (
        "Hasta {n} etiquetas de hasta {length} caracteres.",
        "Up to {n} tags of up to {length} characters.",
    ),
    "publish.error.theme": ("No existe el tema «{slug}».", "There is no theme '{slug}'."),
    "publish.error.format": (
        "Formato: letras y números, hasta 20 (p. ej. PDF).",
        "Format: letters and digits, up to 20 (e.g. PDF).",
    ),
    "publish.error.link_url": (
        "Da una dirección completa que empiece con http:// o https://.",
        "Give a full address starting with http:// or https://.",
    ),
    "publish.error.table_resource": (
        "Las tablas no se quitan aquí.",
        "Tables are not removed here.",
    ),
    "publish.error.dataset": (
        "Ese conjunto de datos no existe o no puedes editarlo.",
        "That dataset does not exist or you cannot edit it.",
    ),
    "publish.error.organization": (
        "Elige una organización en la que puedas publicar.",
        "Choose an organization you may publish in.",
    ),
    "publish.error.title": (
        "Escribe el título del conjunto de datos nuevo.",
        "Type the title of the new dataset.",
    ),
    "publish.error.no_file": (
        "Sube un archivo o da la dirección de uno.",
        "Upload a file or give the address of one.",
    ),
    "publish.error.one_file": ("Sube un solo archivo.", "Upload a single file."),
    "publish.error.empty": ("El archivo está vacío.", "The file is empty."),
    "publish.error.form": (
        "El formulario llegó incompleto o mal formado; inténtalo de nuevo.",
        "The form arrived incomplete or malformed; try again.",
    ),
    "publish.error.too_big": (
        "El archivo pasa del límite de {mb} MB.",
        "The file is over the {mb} MB limit.",
    ),
    "publish.error.url_scheme": (
        "La dirección debe empezar con http:// o https://.",
        "The address must start with http:// or https://.",
    ),
    "publish.error.url_host": (
        "No se encontró el servidor «{host}».",
        "The server '{host}' was not found.",
    ),
    "publish.error.url_private": (
        "«{host}» es una dirección de red privada; no se descargan archivos de ahí.",
        "'{host}' is a private network address; files are not fetched from there.",
    ),
    "publish.error.url_status": (
        "El servidor respondió con el código {status}.",
        "The server answered with status {status}.",
    ),
    "publish.error.url_timeout": (
        "La descarga tardó más de {s} segundos.",
        "The download took more than {s} seconds.",
    ),
    "publish.error.url_redirects": ("Demasiadas redirecciones.", "Too many redirects."),
    "publish.error.url_failed": (
        "No se pudo descargar el archivo ({detail}).",
        "The file could not be downloaded ({detail}).",
    ),
}
