"""The desk's text search, chosen per engine, over what a supervisor remembers of a record: the
talent or centre, the place, the notes, a demand's text.

SQLite: FTS5 tables with the trigram tokenizer (migration 0014) answer a search of three or more
characters from their index; PostgreSQL: ``ILIKE`` over the same text, which its ``pg_trgm`` GIN
indexes serve. Chinese has no spaces, so both search substrings, not words. A shorter search
(a two-character name such as 张三) has no trigram: it falls back to a plain substring scan (``instr``)
of the rows the other filters left, which the benchmark measures (bench/desk_bench.py).
"""

from __future__ import annotations

from server.db import is_postgres
from server.desk.sql import Where, like_pattern

#: SQLite's FTS5 tables (migration 0014): virtual tables with shadow tables of their own, which
#: no piccolo table class declares.
FTS_TABLES = ("visit_search", "inspection_search", "demand_search")
#: Shorter searches have no trigram to look up.
TRIGRAM = 3
_SPACE = " || ' ' || "
#: Text columns searched on each table; migration 0014 indexes the same expression.
_TEXT = {
    "visit": ("target_unit_name", "place", "notes"),
    "inspection": ("notes",),
    "demand": ("description",),
}


def _fts(table: str, alias: str, text: str, where: Where) -> str:
    """A condition on ``alias`` (a row of ``table``) matching ``text``; adds its arguments."""
    columns = _TEXT[table]
    if is_postgres():
        where.args.append(like_pattern(text))
        joined = _SPACE.join(f"{alias}.{c}" for c in columns)
        # Backslash is PostgreSQL's default LIKE escape; an explicit ESCAPE hides the index.
        return f"({joined}) ILIKE {{}}"
    if len(text) >= TRIGRAM:
        # A phrase of the whole text: the trigram tokenizer matches it as a substring.
        where.args.append('"' + text.replace('"', '""') + '"')
        return (
            f"{alias}.rowid IN (SELECT rowid FROM {table}_search WHERE {table}_search MATCH {{}})"
        )
    # instr() finds a substring without LIKE's pattern matching, several times faster.
    where.args.extend([text] * len(columns))
    return " OR ".join(f"instr({alias}.{c}, {{}}) > 0" for c in columns)


def _name(table: str, text: str, where: Where) -> str:
    """Ids of roster rows (talents, centres) whose name holds ``text``: short tables, scanned."""
    where.args.append(like_pattern(text))
    match = "ILIKE {}" if is_postgres() else "LIKE {} ESCAPE '\\'"
    return f"SELECT id FROM {table} WHERE name {match}"


def visit_match(text: str, where: Where) -> None:
    """Restrict visits (alias ``v``) to those matching ``text``: one set of ids, each part of it
    found through its own index, so the record table is then read by primary key."""
    own = _fts("visit", "s", text, where)
    talents = _name("talent", text, where)
    demands = _fts("demand", "d", text, where)
    where.parts.append(
        f"v.id IN (SELECT s.id FROM visit s WHERE {own}"
        f" UNION SELECT t.id FROM visit t WHERE t.talent IN ({talents})"
        f" UNION SELECT d.visit FROM demand d WHERE d.deleted_at IS NULL AND ({demands}))"
    )


def inspection_match(text: str, where: Where) -> None:
    """Restrict inspections (alias ``v``) to those matching ``text``."""
    own = _fts("inspection", "s", text, where)
    centres = _name("service_center", text, where)
    where.parts.append(
        f"v.id IN (SELECT s.id FROM inspection s WHERE {own}"
        f" UNION SELECT t.id FROM inspection t WHERE t.service_center IN ({centres}))"
    )
