"""SQLAlchemy model of the web console's sessions (one row per logged-in browser)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from vigil.storage.models import Base, BigId
from vigil.storage.types import UtcDateTime


class ConsoleSessionRow(Base):
    """A console session: the SHA-256 of its cookie, the API key it stands for, its CSRF token.

    The key is looked up on every request, so revoking the key ends the session; deleting
    the key deletes the session with it.
    """

    __tablename__ = "console_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[int] = mapped_column(BigId, ForeignKey("api_keys.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


Index("idx_console_sessions_key", ConsoleSessionRow.key_id)
Index("idx_console_sessions_expires", ConsoleSessionRow.expires_at)
