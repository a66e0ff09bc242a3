"""Census pages: editions, ranking and grid, places, dataset types, entries, the submission
form, reviewers and the government's confirmation."""

MESSAGES: dict[str, tuple[str, str]] = {
    "nav.census": ("Censo", "Census"),
    # -- the list and a census home
    "census.title": ("Censo de Datos Abiertos", "Open Data Census"),
    "census.intro": (
        "¿Publica tu ciudad los datos clave en línea, completos, en formatos abiertos y con "
        "licencia abierta? Voluntarias y voluntarios los evalúan conjunto por conjunto; quien "
        "revisa cada lugar valida, y el gobierno puede confirmar.",
        "Does your city publish key data online, complete, in open formats and under an open "
        "licence? Volunteers assess it dataset by dataset; each place's reviewer validates, "
        "and the government can confirm.",
    ),
    "census.none": ("Todavía no hay censos.", "There are no censuses yet."),
    "census.open": ("Abierto", "Open"),
    "census.closed": ("Cerrado", "Closed"),
    "census.card_counts": (
        "{places} lugares · {types} conjuntos de datos · {entries} evaluaciones aceptadas",
        "{places} places · {types} dataset types · {entries} accepted entries",
    ),
    "census.leader": ("Primer lugar", "Leading"),
    "census.how_title": ("Cómo funciona", "How it works"),
    "census.how.submit": ("1. Evalúa.", "1. Assess."),
    "census.how.submit_text": (
        "Con una cuenta, responde las preguntas de un conjunto de datos y deja las ligas de "
        "evidencia.",
        "With an account, answer a dataset's questions and leave links to the evidence.",
    ),
    "census.how.review": ("2. Revisión.", "2. Review."),
    "census.how.review_text": (
        "Quien revisa el lugar acepta la propuesta, la rechaza o pide cambios, siempre con "
        "una razón.",
        "The place's reviewer accepts the submission, rejects it or asks for changes, always "
        "with a reason.",
    ),
    "census.how.confirm": ("3. Confirmación.", "3. Confirmation."),
    "census.how.confirm_text": (
        "El gobierno del lugar confirma la evaluación o la disputa con un comentario público.",
        "The place's government confirms the entry or disputes it with a public comment.",
    ),
    "census.previous_edition": ("Edición anterior", "Previous edition"),
    "census.next_edition": ("Edición siguiente", "Next edition"),
    "census.edition": ("Edición", "Edition"),
    "census.stat.places": ("Lugares", "Places"),
    "census.stat.types": ("Conjuntos de datos", "Dataset types"),
    "census.stat.accepted": ("Evaluaciones aceptadas", "Accepted entries"),
    "census.stat.open": ("Abiertos al 100 %", "Fully open"),
    "census.stat.pending": ("Por revisar", "Awaiting review"),
    "census.ranking": ("Clasificación", "Ranking"),
    "census.ranking_note": (
        "La puntuación de cada lugar es el promedio sobre los {n} conjuntos de datos del "
        "censo: un conjunto sin evaluar cuenta como 0. Los empates comparten lugar.",
        "Each place's score is the mean over all {n} dataset types of the census: an "
        "unassessed one counts as 0. Ties share a rank.",
    ),
    "census.rank": ("Posición", "Rank"),
    "census.rank_of": ("{rank} de {n}", "{rank} of {n}"),
    "census.place": ("Lugar", "Place"),
    "census.type": ("Conjunto de datos", "Dataset type"),
    "census.types": ("Conjuntos de datos evaluados", "Dataset types assessed"),
    "census.score": ("Puntuación", "Score"),
    "census.state": ("Estado", "State"),
    "census.actions": ("Acciones", "Actions"),
    "census.view": ("Ver evaluación", "View entry"),
    "census.entries_open": ("Abiertos", "Open"),
    "census.entries_assessed": ("Evaluados", "Assessed"),
    "census.grid": ("Lugares × conjuntos de datos", "Places × dataset types"),
    "census.grid_note": (
        "Cada celda muestra la puntuación (0 a 100) de la evaluación aceptada; el color la "
        "acompaña. Elige una celda para ver respuestas, evidencia e historial.",
        "Each cell shows the accepted entry's score (0 to 100), with a colour alongside. "
        "Choose a cell to see answers, evidence and history.",
    ),
    "census.legend": ("Leyenda", "Legend"),
    "census.unassessed": ("sin evaluar", "not assessed"),
    "census.pending_mark": ("propuesta por revisar", "submission awaiting review"),
    "census.level.open": ("Abierto", "Open"),
    "census.level.partial": ("Parcial", "Partial"),
    "census.level.closed": ("No publicado", "Not published"),
    "census.level.none": ("Sin evaluar", "Not assessed"),
    "census.downloads": ("Descargas y API", "Downloads and API"),
    "census.downloads_note": (
        "Los mismos datos para hojas de cálculo (CSV) y programas (JSON), con licencia abierta.",
        "The same data for spreadsheets (CSV) and programs (JSON), openly licensed.",
    ),
    "census.download.ranking": ("Clasificación de lugares", "Place ranking"),
    "census.download.entries": ("Evaluaciones con sus respuestas", "Entries with their answers"),
    "census.download.types": ("Conjuntos de datos y su promedio", "Dataset types and their mean"),
    "census.download.places": ("Lugares y claves INEGI", "Places and INEGI keys"),
    # -- a place
    "census.kind.country": ("País", "Country"),
    "census.kind.state": ("Entidad federativa", "State"),
    "census.kind.municipality": ("Municipio", "Municipality"),
    "census.inegi": ("Clave INEGI {key}", "INEGI key {key}"),
    "census.place.entries": ("Evaluaciones", "Entries"),
    "census.place.reviewers": ("Quién revisa", "Reviewers"),
    "census.place.no_reviewers": (
        "Nadie revisa este lugar todavía.",
        "Nobody reviews this place yet.",
    ),
    "census.scope.census": ("todo el censo", "whole census"),
    "census.login_to_review": (
        "Inicia sesión para pedir ser revisor o revisora",
        "Log in to ask to become a reviewer",
    ),
    "census.place.you_review": ("Revisas este lugar.", "You review this place."),
    "census.place.request_waiting": (
        "Tu solicitud para revisar este lugar espera la aprobación de la administración.",
        "Your request to review this place awaits an administrator's approval.",
    ),
    "census.place.ask_review": ("Pedir ser revisor de este lugar", "Ask to review this place"),
    "census.place.ask_review_help": (
        "Quien revisa acepta o rechaza las propuestas y responde por que las evaluaciones "
        "estén completas. La administración del portal aprueba las solicitudes.",
        "Reviewers accept or reject submissions and answer for complete, curated entries. "
        "The portal's administrators approve requests.",
    ),
    "census.place.trend": ("Evolución por edición", "Trend over editions"),
    "census.place.first_edition": (
        "Primera edición de este censo: aún no hay ediciones anteriores con qué comparar.",
        "First edition of this census: no earlier editions to compare with yet.",
    ),
    "census.place.badge": ("Insignia para tu sitio", "Badge for your site"),
    "census.place.embed": ("Código para insertarla", "Code to embed it"),
    # -- a dataset type
    "census.type_rank": ("{rank}.º de {n} conjuntos", "#{rank} of {n} dataset types"),
    "census.type_mean": (
        "Promedio sobre todos los lugares (sin evaluar = 0)",
        "Mean over every place (not assessed = 0)",
    ),
    "census.type.places": ("Cómo le va a cada lugar", "How every place does"),
    "census.type.what_counts": ("Qué cuenta", "What counts"),
    "census.type.elements": ("Elementos de datos requeridos", "Required data elements"),
    "census.type.elements_help": (
        "Si falta alguno, los datos no son el conjunto que pide el censo y la evaluación vale 0.",
        "If any is missing, the data is not the dataset the census asks for: the entry scores 0.",
    ),
    "census.type.scoring": ("Cómo se puntúa", "How it is scored"),
    "census.type.ask_review": (
        "Pedir ser revisor de este conjunto",
        "Ask to review this dataset type",
    ),
    # -- an entry
    "census.entry.updated": ("Actualizada el {date}", "Updated {date}"),
    "census.entry.assess": ("Evaluar este conjunto", "Assess this dataset"),
    "census.entry.edit": ("Proponer cambios", "Suggest changes"),
    "census.entry.login_to_assess": ("Inicia sesión para evaluar", "Log in to assess"),
    "census.entry.answers": ("Respuestas aceptadas", "Accepted answers"),
    "census.entry.missing": (
        "Faltan elementos requeridos ({elements}): cuenta como no publicado.",
        "Required elements are missing ({elements}): it counts as not published.",
    ),
    "census.entry.evidence": ("Evidencia", "Evidence"),
    "census.entry.accepted_from": ("Propuesta de", "Submitted by"),
    "census.entry.none": (
        "Este conjunto de datos aún no tiene una evaluación aceptada: cuenta como 0.",
        "This dataset has no accepted entry yet: it counts as 0.",
    ),
    "census.entry.pending": ("Propuesta por revisar", "Submission awaiting review"),
    "census.entry.pending_by": ("Enviada por", "Sent by"),
    "census.entry.pending_score": (
        "Si se acepta, la evaluación valdrá {score} %.",
        "If accepted, the entry will score {score}%.",
    ),
    "census.entry.your_pending": (
        "Es tu propuesta: la revisará otra persona.",
        "This is your submission: someone else will review it.",
    ),
    "census.entry.history": ("Historial", "History"),
    "census.entry.submitted_by": ("propuesta de", "submitted by"),
    "census.entry.current": ("vigente", "current"),
    "census.entry.no_history": ("Sin propuestas todavía.", "No submissions yet."),
    "census.entry.other_places": (
        "Ver este conjunto en todos los lugares",
        "See this dataset type in every place",
    ),
    "census.question": ("Pregunta", "Question"),
    "census.answer": ("Respuesta", "Answer"),
    "census.points": ("Puntos", "Points"),
    "census.answer.yes": ("Sí", "Yes"),
    "census.answer.no": ("No", "No"),
    "census.answer.none": ("Sin respuesta", "No answer"),
    "census.answer.not_asked": ("No aplica", "Not applicable"),
    "census.element.missing": ("falta", "missing"),
    "census.status.pending": ("Por revisar", "Awaiting review"),
    "census.status.accepted": ("Aceptada", "Accepted"),
    "census.status.rejected": ("Rechazada", "Rejected"),
    "census.status.changes_requested": ("Cambios pedidos", "Changes requested"),
    "census.status.superseded": ("Reemplazada", "Superseded"),
    "census.review.legend": ("Tu revisión", "Your review"),
    "census.review.accept": ("Aceptar", "Accept"),
    "census.review.request_changes": ("Pedir cambios", "Request changes"),
    "census.review.reject": ("Rechazar", "Reject"),
    "census.review.reason": ("Razón", "Reason"),
    "census.review.reason_help": (
        "Obligatoria al rechazar o pedir cambios: quien la envió la verá.",
        "Required to reject or request changes: the submitter will see it.",
    ),
    "census.review.submit": ("Enviar revisión", "Send review"),
    "census.review.done.accept": ("Aceptada", "Accepted"),
    "census.review.done.reject": ("Rechazada", "Rejected"),
    "census.review.done.request_changes": ("Cambios pedidos", "Changes requested"),
    "census.gov.confirmed": ("Confirmada por el gobierno", "Confirmed by the government"),
    "census.gov.disputed": ("Disputada por el gobierno", "Disputed by the government"),
    "census.gov.verified": ("Gobierno verificado", "Verified government"),
    "census.gov.by": ("{org}, el {date}", "{org}, on {date}"),
    "census.gov.earlier": (
        "Respuestas anteriores del gobierno ({count}), sobre esta u otras versiones",
        "Earlier answers of the government ({count}), on this or earlier versions",
    ),
    "census.gov.form_title": ("Respuesta del gobierno", "The government's answer"),
    "census.gov.form_help": (
        "Perteneces al gobierno verificado de este lugar: confirma la evaluación o dispútala "
        "explicando qué es incorrecto. Tu respuesta es pública.",
        "You belong to this place's verified government: confirm the entry or dispute it, "
        "saying what is wrong. Your answer is public.",
    ),
    "census.gov.legend": ("¿La evaluación es correcta?", "Is the entry correct?"),
    "census.gov.confirm": ("Confirmar", "Confirm"),
    "census.gov.dispute": ("Disputar", "Dispute"),
    "census.gov.comment": ("Comentario", "Comment"),
    "census.gov.submit": ("Enviar respuesta", "Send answer"),
    "census.comments": ("Conversación", "Discussion"),
    "census.comments.none": ("Sin comentarios todavía.", "No comments yet."),
    "census.comments.add": ("Añade un comentario", "Add a comment"),
    "census.comments.submit": ("Comentar", "Comment"),
    "census.comments.login": ("Inicia sesión para comentar", "Log in to comment"),
    # -- the submission form
    "census.form.title": ("Evaluar", "Assess"),
    "census.form.heading": ("Evaluar: {name}", "Assess: {name}"),
    "census.form.intro": (
        "Responde en orden. Las preguntas que dependen de una respuesta anterior dicen cuándo "
        "aplican; si no aplican, no se toman en cuenta. Tu propuesta la revisará otra persona.",
        "Answer in order. Questions that depend on an earlier answer say when they apply; "
        "when they do not, they are ignored. Someone else will review your submission.",
    ),
    "census.form.weight": ("{n} puntos", "{n} points"),
    "census.form.required_evidence": ("requiere evidencia", "evidence required"),
    "census.form.condition": (
        "Solo si respondió «{answer}» a «{question}»",
        "Only if you answered “{answer}” to “{question}”",
    ),
    "census.form.no_elements": (
        "Este conjunto no lista elementos requeridos.",
        "This dataset type lists no required elements.",
    ),
    "census.form.evidence": ("Ligas de evidencia", "Evidence links"),
    "census.form.evidence_help": (
        "Páginas o archivos que muestran tus respuestas (http:// o https://).",
        "Pages or files that show your answers (http:// or https://).",
    ),
    "census.form.evidence_n": ("Liga de evidencia {n}", "Evidence link {n}"),
    "census.form.note": ("Nota para quien revisa", "Note for the reviewer"),
    "census.form.note_help": ("Opcional.", "Optional."),
    "census.form.submit": ("Enviar a revisión", "Send for review"),
    "census.form.cancel": ("Cancelar", "Cancel"),
    "census.form.pending_title": ("Ya hay una propuesta por revisar", "A submission already waits"),
    "census.form.pending_body": (
        "Solo puede haber una propuesta pendiente por conjunto. Esta espera revisión desde "
        "el {date}; la envió",
        "There can be only one pending submission per dataset. This one has waited since "
        "{date}; sent by",
    ),
    "census.form.see_pending": ("Ver la propuesta pendiente", "See the pending submission"),
    # -- reviewers
    "census.queue.title": ("Propuestas por revisar", "Review queue"),
    "census.queue.intro": (
        "Las propuestas que puedes revisar, de la más antigua a la más reciente.",
        "Submissions you may review, oldest first.",
    ),
    "census.queue.you_review": ("Revisas:", "You review:"),
    "census.queue.waiting_approval": ("por aprobar", "awaiting approval"),
    "census.queue.by": ("Enviada por", "Sent by"),
    "census.queue.since": ("Desde", "Since"),
    "census.queue.review": ("Revisar", "Review"),
    "census.queue.empty": (
        "Nada por revisar. ¡Gracias!",
        "Nothing to review. Thank you!",
    ),
    "census.queue.not_reviewer": (
        "No revisas ningún lugar de este censo. Pídelo desde la página de un lugar.",
        "You do not review any place of this census. Ask from a place's page.",
    ),
    "census.reviewers.title": ("Revisores", "Reviewers"),
    "census.reviewers.requests": ("Solicitudes por aprobar", "Requests to approve"),
    "census.reviewers.no_requests": ("No hay solicitudes.", "No requests."),
    "census.reviewers.approved": ("Revisores aprobados", "Approved reviewers"),
    "census.reviewers.none": ("Nadie todavía.", "Nobody yet."),
    "census.reviewers.person": ("Persona", "Person"),
    "census.reviewers.scope": ("Revisa", "Reviews"),
    "census.reviewers.approve": ("Aprobar", "Approve"),
    # -- notices after a redirect
    "census.notice.submitted": (
        "Propuesta enviada: quien revisa este lugar recibió un aviso.",
        "Submission sent: this place's reviewers were notified.",
    ),
    "census.notice.reviewed": ("Revisión guardada.", "Review saved."),
    "census.notice.confirmed": ("Evaluación confirmada.", "Entry confirmed."),
    "census.notice.disputed": ("Disputa registrada.", "Dispute recorded."),
    "census.notice.commented": ("Comentario publicado.", "Comment posted."),
    "census.notice.requested": (
        "Solicitud enviada: la administración del portal la revisará.",
        "Request sent: the portal's administrators will review it.",
    ),
    "census.notice.approved": ("Revisor aprobado.", "Reviewer approved."),
    # -- refusals (CensusError codes)
    "census.error.title": ("No se pudo", "That did not work"),
    "census.back": ("Volver", "Back"),
    "census.error.own": (
        "Nadie revisa su propia propuesta.",
        "Nobody reviews their own submission.",
    ),
    "census.error.not_reviewer": (
        "No revisas este lugar ni este conjunto de datos.",
        "You do not review this place or dataset type.",
    ),
    "census.error.not_government": (
        "Solo el gobierno verificado del lugar confirma o disputa sus evaluaciones.",
        "Only the place's verified government confirms or disputes its entries.",
    ),
    "census.error.admin": (
        "Solo la administración del portal aprueba revisores.",
        "Only the portal's administrators approve reviewers.",
    ),
    "census.error.answer": ("Responde «Sí» o «No».", "Answer “Yes” or “No”."),
    "census.error.url": (
        "Una dirección no es válida: escribe la dirección completa, con http:// o https://.",
        "An address is not valid: write the full address, with http:// or https://.",
    ),
    "census.error.date": ("Una fecha no es válida.", "A date is not valid."),
    "census.error.evidence": (
        "Esta respuesta necesita su dirección de evidencia (¿dónde están los datos?).",
        "This answer needs its evidence address (where is the data?).",
    ),
    "census.error.pending": (
        "Ya hay una propuesta por revisar para este conjunto de datos.",
        "A submission for this dataset already awaits review.",
    ),
    "census.error.closed": (
        "Este censo está cerrado: ya no recibe propuestas.",
        "This census is closed: it no longer takes submissions.",
    ),
    "census.error.scope": (
        "Ese lugar o conjunto de datos no es parte de este censo.",
        "That place or dataset type is not part of this census.",
    ),
    "census.error.decided": (
        "Esta propuesta ya fue revisada.",
        "This submission was already reviewed.",
    ),
    "census.error.decision": ("Elige una decisión.", "Choose a decision."),
    "census.error.reason": (
        "Explica la razón, para que se pueda corregir.",
        "Say why, so it can be fixed.",
    ),
    "census.error.state": ("Elige confirmar o disputar.", "Choose confirm or dispute."),
    "census.error.empty": ("Escribe algo.", "Write something."),
    "census.prefill.label": (
        "Pre-llenar desde una URL de los datos",
        "Pre-fill from a URL of the data",
    ),
    "census.prefill.button": ("Pre-llenar", "Pre-fill"),
    "census.prefill.help": (
        "abierto consulta la dirección (este portal, un portal CKAN, un data.json o el archivo) "
        "y responde lo que puede comprobar; revisa cada respuesta antes de enviar.",
        "abierto reads the address (this portal, a CKAN portal, a data.json or the file) and "
        "answers what it can check; review each answer before you submit.",
    ),
    "census.prefill.found": ("Comprobado automáticamente", "Checked automatically"),
}
