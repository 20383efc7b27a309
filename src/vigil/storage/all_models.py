"""Import every models module so Base.metadata knows all tables (for Alembic autogenerate)."""

from vigil.storage import models  # noqa: F401
from vigil.storage import models_security  # noqa: F401
from vigil.storage import models_threats  # noqa: F401
from vigil.storage import models_alerting  # noqa: F401
