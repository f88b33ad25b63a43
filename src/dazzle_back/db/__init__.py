"""Data layer: the AppSpec as SQLAlchemy tables, the engine and pool, queries, migrations."""
