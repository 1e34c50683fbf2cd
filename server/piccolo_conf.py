"""piccolo's configuration: the engine is chosen by ``DATABASE_URL`` (see server.settings)."""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine

from server.db import PooledSQLiteEngine
from server.settings import get_settings

_settings = get_settings()

DB: PostgresEngine | PooledSQLiteEngine
if _settings.engine == "postgresql":
    DB = PostgresEngine(config={"dsn": _settings.database_url})
else:
    _settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    # A timeout so concurrent writers wait for the lock instead of failing at once.
    DB = PooledSQLiteEngine(path=str(_settings.sqlite_path), timeout=30)

APP_REGISTRY = AppRegistry(apps=["server.piccolo_app"])
