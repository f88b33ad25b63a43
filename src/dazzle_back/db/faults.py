"""Which database errors mean "the database cannot serve right now" (a 503 to retry) and
which are bugs (a 500).

SQLAlchemy wraps driver errors in ``DBAPIError`` but only some become ``OperationalError``:
asyncpg's "the database system is starting up" (crash recovery), "terminating connection
due to administrator command" and a statement timeout arrive as plain ``DBAPIError``. They
are recognised by their SQLSTATE class. Connections refused or reset and client-side
timeouts arrive unwrapped, as ``OSError`` (``TimeoutError`` is one).
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

# SQLSTATE classes: 08 connection exception, 53 insufficient resources (too many
# connections, out of memory or disk), 57 operator intervention (statement timeout,
# admin or crash shutdown, cannot connect now)
UNAVAILABLE_SQLSTATE_CLASSES = frozenset({"08", "53", "57"})


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database is down, restarting, overloaded or too slow."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError):
            return True
        return _unavailable_sqlstate(exc.orig)
    return isinstance(exc, OSError) or _unavailable_sqlstate(exc)


def _unavailable_sqlstate(error: BaseException | None) -> bool:
    state = getattr(error, "sqlstate", None)
    return isinstance(state, str) and state[:2] in UNAVAILABLE_SQLSTATE_CLASSES
