"""One service per entity: the only write path, shared by the API, the UI, demo data and
restore."""
