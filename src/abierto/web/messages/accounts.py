"""Accounts: logging in and out, the account page, API tokens, organization members."""

MESSAGES: dict[str, tuple[str, str]] = {
    # Log in / log out
    "accounts.login.title": ("Iniciar sesión", "Log in"),
    "accounts.login.login": ("Usuario o correo electrónico", "User name or email"),
    "accounts.login.password": ("Contraseña", "Password"),
    "accounts.login.submit": ("Entrar", "Log in"),
    "accounts.login.failed": (
        "Usuario o contraseña incorrectos.",
        "Wrong user name or password.",
    ),
    "accounts.login.throttled": (
        "Demasiados intentos fallidos. Vuelve a intentarlo en {minutes} min.",
        "Too many failed attempts. Try again in {minutes} min.",
    ),
    "accounts.login.help": (
        "Las cuentas las crea la administración del portal.",
        "Accounts are created by the portal's administrators.",
    ),
    "accounts.logout": ("Cerrar sesión", "Log out"),
    # The account page
    "accounts.account.title": ("Mi cuenta", "My account"),
    "accounts.field.username": ("Usuario", "User name"),
    "accounts.field.full_name": ("Nombre", "Name"),
    "accounts.field.email": ("Correo electrónico", "Email"),
    "accounts.field.role": ("Rol", "Role"),
    "accounts.field.since": ("Desde", "Since"),
    "accounts.site_admin": ("Administración del sitio", "Site administrator"),
    "accounts.memberships": ("Organizaciones", "Organizations"),
    "accounts.memberships.none": (
        "No perteneces a ninguna organización.",
        "You are not a member of any organization.",
    ),
    "accounts.manage": ("Organizaciones que administras", "Organizations you manage"),
    "accounts.manage.members": ("Miembros", "Members"),
    "accounts.role.member": ("Miembro (lee datos privados)", "Member (reads private data)"),
    "accounts.role.editor": ("Editor (publica)", "Editor (publishes)"),
    "accounts.role.admin": ("Administración (gestiona miembros)", "Admin (manages members)"),
    # API tokens
    "accounts.tokens": ("Claves de API", "API tokens"),
    "accounts.tokens.intro": (
        "Para scripts y clientes: envía la clave en la cabecera "
        "«Authorization: Bearer …». Tiene tus mismos permisos.",
        "For scripts and clients: send the token in the header "
        "“Authorization: Bearer …”. It has your own permissions.",
    ),
    "accounts.tokens.none": ("No tienes claves de API.", "You have no API tokens."),
    "accounts.token.name": ("Nombre", "Name"),
    "accounts.token.prefix": ("Empieza con", "Starts with"),
    "accounts.token.created": ("Creada", "Created"),
    "accounts.token.last_used": ("Último uso", "Last used"),
    "accounts.token.never": ("nunca", "never"),
    "accounts.token.create": ("Crear clave", "Create token"),
    "accounts.token.name_hint": (
        "p. ej. «script de carga mensual»",
        "e.g. “monthly upload script”",
    ),
    "accounts.token.revoke": ("Revocar", "Revoke"),
    "accounts.token.created_title": ("Tu nueva clave de API", "Your new API token"),
    "accounts.token.copy_hint": (
        "Cópiala ahora y guárdala en un lugar seguro: no la volveremos a mostrar.",
        "Copy it now and keep it somewhere safe: it will not be shown again.",
    ),
    "accounts.token.back": ("Volver a mi cuenta", "Back to my account"),
    # Password
    "accounts.password": ("Cambiar contraseña", "Change password"),
    "accounts.password.current": ("Contraseña actual", "Current password"),
    "accounts.password.new": ("Contraseña nueva", "New password"),
    "accounts.password.confirm": ("Repite la contraseña nueva", "Repeat the new password"),
    "accounts.password.note": (
        "Cierra la sesión en todos tus demás dispositivos.",
        "Logs you out on every other device.",
    ),
    "accounts.password.submit": ("Cambiar", "Change"),
    # Notices after a change
    "accounts.done.revoked": ("Clave revocada.", "Token revoked."),
    "accounts.done.password": ("Contraseña cambiada.", "Password changed."),
    "accounts.done.added": ("Miembro agregado.", "Member added."),
    "accounts.done.role": ("Rol cambiado.", "Role changed."),
    "accounts.done.removed": ("Miembro quitado.", "Member removed."),
    # Organization members
    "accounts.members.title": ("Miembros de {organization}", "Members of {organization}"),
    "accounts.members.none": ("Esta organización no tiene miembros.", "No members yet."),
    "accounts.members.add": ("Agregar miembro", "Add a member"),
    "accounts.members.add_submit": ("Agregar", "Add"),
    "accounts.members.change": ("Cambiar rol", "Change role"),
    "accounts.members.remove": ("Quitar", "Remove"),
    "accounts.members.you": ("tú", "you"),
    "accounts.forbidden.title": ("Sin permiso", "Not allowed"),
    "accounts.forbidden.body": (
        "Tu cuenta no tiene permiso para ver esta página.",
        "Your account may not see this page.",
    ),
    # Errors (codes of services.AccountError)
    "accounts.error.password_short": (
        "La contraseña necesita al menos {n} caracteres.",
        "The password needs at least {n} characters.",
    ),
    "accounts.error.password_long": (
        "La contraseña puede tener como máximo {n} caracteres.",
        "The password may have at most {n} characters.",
    ),
    "accounts.error.password_wrong": (
        "La contraseña actual no es correcta.",
        "The current password is wrong.",
    ),
    "accounts.error.password_mismatch": (
        "Las dos contraseñas nuevas no coinciden.",
        "The two new passwords differ.",
    ),
    "accounts.error.username_invalid": (
        "Nombre de usuario no válido: de 2 a 50 minúsculas, dígitos, «.», «_» o «-».",
        "Invalid user name: 2–50 lowercase letters, digits, '.', '_' or '-'.",
    ),
    "accounts.error.email_invalid": (
        "Esa no es una dirección de correo.",
        "That is not an email address.",
    ),
    "accounts.error.taken": (
        "Ese nombre de usuario o correo ya está en uso.",
        "That user name or email is already taken.",
    ),
    "accounts.error.role_unknown": (
        "Rol desconocido: usa miembro, editor o administración.",
        "Unknown role: use member, editor or admin.",
    ),
    "accounts.error.last_admin": (
        "Una organización necesita al menos una persona administradora: nombra a otra antes.",
        "An organization needs at least one admin: name another admin first.",
    ),
    "accounts.error.token_name": (
        "Ponle un nombre a la clave, como el script que la usará.",
        "Give the token a name, such as the script that will use it.",
    ),
    "accounts.error.no_user": (
        "No existe el usuario «{username}».",
        "There is no user “{username}”.",
    ),
}
