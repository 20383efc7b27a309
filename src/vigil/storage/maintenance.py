"""Database upkeep for `vigil db maintain`: VACUUM/ANALYZE, index health, table sizes."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from vigil.storage.database import Database


@dataclass
class TableSize:
    """One table: rows and bytes on disk (bytes include its indexes; None when unknown)."""

    name: str
    rows: int
    total_bytes: int | None


@dataclass
class MaintenanceReport:
    """What maintenance did and found: problems make `vigil db maintain` exit 1."""

    dialect: str
    vacuumed: bool
    analyzed: bool
    index_problems: list[str] = field(default_factory=list)
    tables: list[TableSize] = field(default_factory=list)
    database_bytes: int | None = None


def _sqlite_maintain(db: Database, vacuum: bool) -> MaintenanceReport:
    report = MaintenanceReport("sqlite", vacuumed=vacuum, analyzed=True)
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("ANALYZE"))
        conn.execute(text("PRAGMA optimize"))
        if vacuum:
            conn.execute(text("VACUUM"))
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        problems = [str(r[0]) for r in conn.execute(text("PRAGMA integrity_check"))]
        report.index_problems = [p for p in problems if p != "ok"]
        names = conn.execute(text("SELECT name FROM sqlite_master WHERE type='table' AND "
                                  "name NOT LIKE 'sqlite_%' ORDER BY name")).scalars().all()
        sizes: dict[str, int] = {}
        try:  # dbstat is compiled into most builds; without it sizes stay unknown
            indexes: dict[str, str] = dict(conn.execute(text(
                "SELECT name, tbl_name FROM sqlite_master WHERE type='index'")).all())
            for name, size in conn.execute(text("SELECT name, SUM(pgsize) FROM dbstat "
                                                "GROUP BY name")):
                owner = indexes.get(name, name)
                sizes[owner] = sizes.get(owner, 0) + int(size)
        except OperationalError:  # the optional dbstat virtual table is missing
            sizes = {}
        for name in names:
            rows = int(conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
            report.tables.append(TableSize(name, rows, sizes.get(name)))
        page_size = int(conn.execute(text("PRAGMA page_size")).scalar_one())
        pages = int(conn.execute(text("PRAGMA page_count")).scalar_one())
        report.database_bytes = page_size * pages
    return report


def _postgres_maintain(db: Database, vacuum: bool) -> MaintenanceReport:
    report = MaintenanceReport("postgresql", vacuumed=vacuum, analyzed=True)
    with db.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        names = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname='public' "
                                  "ORDER BY tablename")).scalars().all()
        for name in names:
            verb = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
            conn.execute(text(f'{verb} public."{name}"'))
        report.index_problems = [
            f"index {r[0]} is invalid (a failed CREATE INDEX CONCURRENTLY?): REINDEX it"
            for r in conn.execute(text(
                "SELECT indexrelid::regclass::text FROM pg_index i JOIN pg_class c "
                "ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND NOT (i.indisvalid AND i.indisready)"))]
        for name in names:
            rows = int(conn.execute(text(f'SELECT count(*) FROM public."{name}"')).scalar_one())
            size = conn.execute(text("SELECT pg_total_relation_size(:t)"),
                                {"t": f'public."{name}"'}).scalar_one()
            report.tables.append(TableSize(name, rows, int(size)))
        report.database_bytes = int(conn.execute(text(
            "SELECT pg_database_size(current_database())")).scalar_one())
    return report


def maintain(db: Database, vacuum: bool = True) -> MaintenanceReport:
    """Refresh planner statistics, reclaim space (VACUUM), check indexes, measure tables."""
    if db.dialect == "sqlite":
        return _sqlite_maintain(db, vacuum)
    return _postgres_maintain(db, vacuum)
