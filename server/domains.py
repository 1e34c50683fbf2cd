"""The API's domain controllers, registered in one list so the app factory stays short."""

from typing import Any

CONTROLLERS: list[Any] = []
