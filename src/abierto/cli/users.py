"""(being written) ``abierto users …``"""

from __future__ import annotations

import typer

users_app = typer.Typer(help="User accounts and memberships.", no_args_is_help=True)
