"""Alembic, driven from code: the journal upgrades itself at start-up.

The scripts live inside the package (`terminal/journal/migrations`), found through the
package resource path, so a wheel or a frozen bundle carries them and no alembic.ini is
needed.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

SCRIPT_LOCATION = "terminal.journal:migrations"
log = logging.getLogger(__name__)


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head", *, database: Path | None = None) -> None:
    """Migrate to `revision`; logs one line when something was actually upgraded.

    With `database` (the SQLite file), an existing journal that is about to change
    schema is first copied beside it (`backup.backup_before_migration`)."""
    alembic_log = logging.getLogger("alembic")
    if alembic_log.level == logging.NOTSET and not log.isEnabledFor(logging.DEBUG):
        alembic_log.setLevel(logging.WARNING)  # its INFO chatter on every start is noise
    before = current_revision(engine)
    target = head_revision() if revision == "head" else revision
    if database is not None and before is not None and before != target:
        from terminal.journal.backup import backup_before_migration

        copy = backup_before_migration(database, before)
        log.warning("journal schema %s will be upgraded to %s; backup: %s", before, target, copy)
    command.upgrade(alembic_config(engine), revision)
    after = current_revision(engine)
    if after != before:
        log.info("journal schema upgraded from %s to %s", before or "empty", after)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config(None))  # type: ignore[arg-type]
    head = script.get_current_head()
    assert head is not None
    return head
