"""App factory, settings, boot sequence, middleware and logging."""
