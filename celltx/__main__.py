"""``python -m celltx`` runs the command line."""

from celltx.cli import main

main()
