"""Sync tests use the API tests' in-process client (the real app on the test's event loop)."""

from tests.api.conftest import client

__all__ = ["client"]
