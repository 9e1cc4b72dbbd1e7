"""The central loyalty server (FastAPI + SQLAlchemy Core + Alembic)."""
