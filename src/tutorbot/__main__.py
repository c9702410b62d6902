"""Allows ``python -m tutorbot``."""

from tutorbot.cli import main

main()
