"""Import every models module so Base.metadata knows all tables (for Alembic autogenerate)."""

from vigil.storage import (
    models,  # noqa: F401
    models_alerting,  # noqa: F401
    models_console,  # noqa: F401
    models_forecasting,  # noqa: F401
    models_lifecycle,  # noqa: F401
    models_reports,  # noqa: F401
    models_scaling,  # noqa: F401
    models_security,  # noqa: F401
    models_sources,  # noqa: F401
    models_threats,  # noqa: F401
)
