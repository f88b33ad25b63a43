"""The production command line, in one place: what a generated Procfile runs and what
``dazzle serve --production`` runs, so the two can never drift apart.

Behind Heroku's router (and most load balancers): keep idle connections open longer than
the router does (Router 2.0 closes them after 90 s, so it, not us, always closes first and
never sends a request into a closing connection); finish in-flight requests within 25 s of
SIGTERM (the platform kills the dyno 30 s after it); proxy headers are read, from the
addresses in ``FORWARDED_ALLOW_IPS`` only (``*`` on Heroku, where the router is the only
client). ``--log-config`` makes uvicorn's own lines JSON too, and lets the supervisor exit
non-zero when a worker cannot boot.
"""

from __future__ import annotations

import shlex

FACTORY = "dazzle_back.runtime.app_factory:create_app_factory"
KEEP_ALIVE_SECONDS = 100
GRACEFUL_SHUTDOWN_SECONDS = 25
LOG_CONFIG_FILE = "dazzle-logging.json"
RELEASE_LINE = "dazzle db migrate ."


def web_args(
    port: str, workers: str, log_config: str = LOG_CONFIG_FILE, host: str = "0.0.0.0"
) -> list[str]:
    """uvicorn's arguments (after the program name) for the web process."""
    return [
        FACTORY,
        "--factory",
        "--host",
        host,
        "--port",
        port,
        "--workers",
        workers,
        "--proxy-headers",
        "--timeout-keep-alive",
        str(KEEP_ALIVE_SECONDS),
        "--timeout-graceful-shutdown",
        str(GRACEFUL_SHUTDOWN_SECONDS),
        "--no-access-log",
        "--log-config",
        log_config,
    ]


def web_line() -> str:
    """The Procfile's ``web:`` command (a shell line: ``$PORT`` and ``WEB_CONCURRENCY``
    are expanded by the platform's shell)."""
    args = web_args("$PORT", "${WEB_CONCURRENCY:-4}")
    quoted = [a if a.startswith("$") else shlex.quote(a) for a in args]
    return "uvicorn " + " ".join(quoted)


def procfile() -> str:
    return f"web: {web_line()}\nrelease: {RELEASE_LINE}\n"
