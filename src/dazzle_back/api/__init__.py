"""HTTP: REST routes per entity, OpenAPI, health, the error contract."""
