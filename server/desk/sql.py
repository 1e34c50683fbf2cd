"""A WHERE clause built piece by piece with its arguments, for piccolo's ``raw`` (``{}`` marks
each argument; piccolo turns them into the engine's placeholders)."""

from __future__ import annotations

from typing import Any


class Where:
    """Conditions joined by AND, and the arguments they hold, in order."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.args: list[Any] = []

    def add(self, condition: str, *args: Any) -> None:
        """Add ``condition`` with one argument per ``{}`` in it."""
        assert condition.count("{}") == len(args)
        self.parts.append(f"({condition})")
        self.args.extend(args)

    def sql(self) -> str:
        return " AND ".join(self.parts) or "TRUE"


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's wildcards in ``text`` taken literally (ESCAPE '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
