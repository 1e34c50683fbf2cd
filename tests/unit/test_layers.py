"""The layers run one way: the sync engine sits below the domains, which register with it; and no
server module grows past what a reader takes in at once."""

from __future__ import annotations

import ast
from pathlib import Path

SERVER = Path(__file__).resolve().parents[2] / "server"
#: Domains above the sync engine (accounts, audit and media sit below it).
DOMAINS = (
    "visits",
    "inspections",
    "demands",
    "rosters",
    "campaigns",
    "reviews",
    "reports",
    "retention",
    "orgunits",
    "users",
)
#: App-level modules that gather the domains.
ABOVE = ("server.domains", "server.app", "server.lookups", "server.records", "server.demo")
MAX_LINES = 400


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (TYPE_CHECKING blocks included)."""
    found: set[str] = set()
    package = ".".join(path.relative_to(SERVER.parent).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def test_the_sync_engine_imports_no_domain() -> None:
    forbidden = tuple(f"server.{d}" for d in DOMAINS) + ABOVE
    offenders = {
        f"{path.relative_to(SERVER)}: {name}"
        for path in sorted((SERVER / "sync").rglob("*.py"))
        for name in imports(path)
        if name in forbidden or name.startswith(tuple(f"{f}." for f in forbidden))
    }
    assert not offenders, sorted(offenders)


def test_the_checker_sees_a_domain_import(tmp_path: Path) -> None:
    """The check above can fail: a module importing a domain is caught, relative or not."""
    probe = SERVER / "sync" / "_probe_for_layers_test.py"
    try:
        probe.write_text("from ..visits import tables\nimport server.demands.tables\n")
        assert {"server.visits", "server.demands.tables"} <= imports(probe)
    finally:
        probe.unlink()


def test_no_server_module_is_too_long() -> None:
    long = {
        str(path.relative_to(SERVER)): n
        for path in SERVER.rglob("*.py")
        if "piccolo_migrations" not in path.parts
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, long
