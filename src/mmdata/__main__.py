"""``python -m mmdata`` runs the command line."""

from .cli import cli

cli()
