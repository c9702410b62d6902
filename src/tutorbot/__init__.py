"""tutorbot: an AI tutor for Discord communities, grounded in a course."""

__version__ = "0.1.0"
