"""Logs: one event per line on stdout; JSON in production, readable in development."""

from __future__ import annotations

import logging
import logging.config
import sys
from datetime import UTC, datetime

import orjson
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


class JsonFormatter(logging.Formatter):
    """Standard-library records (uvicorn's own, other libraries') as one JSON event per
    line, shaped like our structlog events, tracebacks included as a field."""

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, object] = {
            "event": record.getMessage(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "timestamp": datetime.fromtimestamp(record.created, tz=UTC)
            .isoformat()
            .replace("+00:00", "Z"),
        }
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(event, default=str).decode()


def log_config() -> dict[str, object]:
    """uvicorn's ``--log-config`` for production: every line JSON, on stdout."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    own = {"handlers": ["stdout"], "level": "INFO", "propagate": False}
    # uvicorn's access line would repeat our request event in another shape: keep it off
    access = {**own, "level": "WARNING"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"watch_workers": {"()": "dazzle_back.runtime.supervision.watch_workers"}},
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"stdout": handler},
        "loggers": {"uvicorn": own, "uvicorn.error": own, "uvicorn.access": access},
        "root": {"handlers": ["stdout"], "level": "WARNING"},
    }


def json_everywhere() -> None:
    """In a production worker: uvicorn's own lines, other libraries' records and Python
    warnings become JSON events too, whatever command line started the process."""
    logging.config.dictConfig(log_config())
    logging.captureWarnings(True)
