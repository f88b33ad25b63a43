"""Logs: one event per line on stdout; JSON in production, readable in development."""

from __future__ import annotations

import logging
import sys

import structlog

_configured = False


def configure_logging(production: bool) -> None:
    global _configured
    if _configured:
        return
    _configured = True
    processors: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if production:
        processors += [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    else:
        processors += [structlog.dev.ConsoleRenderer(colors=sys.stdout.isatty())]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        logger_factory=lambda *args: _Stdout(),
        cache_logger_on_first_use=True,
    )


class _Stdout:
    """Writes each event to whatever ``sys.stdout`` is at that moment (a process's stdout,
    or a test's capture), one line per event."""

    def msg(self, message: str) -> None:
        out = sys.stdout
        out.write(message + "\n")
        out.flush()

    log = debug = info = warn = warning = error = critical = exception = fatal = msg
