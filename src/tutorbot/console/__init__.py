"""The console adapter: the tutor in a terminal, same services as the Discord bot."""

from tutorbot.console.repl import ConsoleTutor

__all__ = ["ConsoleTutor"]
