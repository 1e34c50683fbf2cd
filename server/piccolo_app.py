"""The piccolo app: every table, and the migrations that build them on SQLite and PostgreSQL."""

from pathlib import Path

from piccolo.conf.apps import AppConfig
from piccolo.table import Table

from server.accounts.tables import DeviceToken, LoginThrottle, OrgUnit, User
from server.audit.tables import AuditLog
from server.calendar.tables import CalendarDay, CalendarYear
from server.campaigns.tables import Campaign, ChecklistItem, ChecklistTemplate
from server.demands.tables import Demand, DemandEvent, DemandReminder
from server.imports.tables import ImportBatch, ImportRow
from server.inspections.tables import Inspection, InspectionItemResult, Rectification
from server.jobs.tables import JobRun
from server.media.tables import Media, MediaLink, MediaUpload
from server.rectifications.tables import RectificationEvent
from server.reports.tables import StoredReport
from server.reviews.tables import ReviewDecision
from server.rosters.tables import ServiceCenter, Talent
from server.sync.tables import (
    Revision,
    ScopeMove,
    SyncChange,
    SyncConflict,
    SyncCounter,
    SyncMutation,
    SyncStream,
)
from server.visits.tables import Visit

TABLES: list[type[Table]] = [
    OrgUnit,
    User,
    DeviceToken,
    LoginThrottle,
    Campaign,
    ChecklistTemplate,
    ChecklistItem,
    Talent,
    ServiceCenter,
    Visit,
    Demand,
    DemandEvent,
    DemandReminder,
    CalendarYear,
    CalendarDay,
    Inspection,
    InspectionItemResult,
    Rectification,
    RectificationEvent,
    Media,
    MediaLink,
    MediaUpload,
    AuditLog,
    SyncCounter,
    SyncChange,
    SyncStream,
    SyncMutation,
    Revision,
    SyncConflict,
    ScopeMove,
    JobRun,
    ImportBatch,
    ImportRow,
    ReviewDecision,
    StoredReport,
]

APP_CONFIG = AppConfig(
    app_name="zoufang",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=TABLES,
    migration_dependencies=[],
    commands=[],
)
