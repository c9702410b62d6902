"""Fixtures for console tests: the tutor fixtures (course index, database on each backend)."""

from tests.tutor.conftest import make_tutor, retriever, tutor_database_url  # noqa: F401
