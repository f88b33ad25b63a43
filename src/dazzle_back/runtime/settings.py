"""Runtime settings from the environment (spec/runtime.md §2), validated all together.

:func:`check_settings` returns one line per problem, each saying what to set, so an
operator fixes a broken deploy in one pass instead of one crash per variable.
"""

from __future__ import annotations

import math
import os
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from dazzle import __version__
from dazzle.manifest import Manifest

ENVIRONMENTS = ("development", "test", "production")
MIN_SECRET_BYTES = 32
MAX_STATEMENT_TIMEOUT = 86400.0  # PostgreSQL refuses more than ~24 days; a day is "never"
DEFAULT_MAX_BODY_KB = 1024  # JSON and form bodies; file uploads will have their own limit


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    database_url: str | None = None
    redis_url: str | None = None
    secret_key: str | None = None
    secret_key_fallbacks: tuple[str, ...] = ()  # previous keys, accepted while values roll over
    db_pool_min: int = 2
    db_pool_max: int = 10
    db_pool_timeout: float = 5.0
    db_statement_timeout: float = 30.0
    db_slow_query_ms: float = 500.0  # a slow_query event at or over this (0: off)
    file_storage: str = "local"
    aws_s3_bucket: str | None = None
    aws_region: str | None = None
    aws_endpoint_url: str | None = None
    allow_no_auth: bool = False
    project_root: str = "."
    web_concurrency: int | None = None
    forwarded_allow_ips: str | None = None  # uvicorn's; "*" means Heroku's router
    smtp_url: str | None = None
    email_from: str | None = None
    base_url: str | None = None  # the app's public address, for emailed links
    max_body_kb: int = DEFAULT_MAX_BODY_KB
    body_timeout: float = 30.0  # seconds a request body may go without a new chunk
    migration_lock_timeout: float = 45.0  # under Heroku's 60 s boot limit
    problems: tuple[str, ...] = field(default=(), compare=False)  # unparseable values

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def max_body_bytes(self) -> int:
        return self.max_body_kb * 1024


def _int(env: dict[str, str], key: str, default: int, problems: list[str]) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        problems.append(f"{key}={raw!r} is not a whole number: set it to e.g. {default}")
        return default


def _float(env: dict[str, str], key: str, default: float, problems: list[str]) -> float:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        problems.append(f"{key}={raw!r} is not a number of seconds: set it to e.g. {default}")
        return default
    if not math.isfinite(value) or value <= 0:
        problems.append(f"{key}={raw!r} must be a positive number of seconds")
        return default
    return value


def _listed(value: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (value or "").split(",") if item.strip())


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read settings from the environment. Never raises: bad values become problems."""
    env = dict(os.environ if environ is None else environ)
    problems: list[str] = []
    mode = env.get("DAZZLE_ENV", "development").strip().lower() or "development"
    if mode not in ENVIRONMENTS:
        problems.append(
            f"DAZZLE_ENV={mode!r} is not known: set it to one of {', '.join(ENVIRONMENTS)}"
        )
        mode = "development"
    storage = env.get("DAZZLE_FILE_STORAGE", "local").strip().lower() or "local"
    if storage not in ("local", "s3"):
        problems.append(f"DAZZLE_FILE_STORAGE={storage!r}: set it to local or s3")
    concurrency = env.get("WEB_CONCURRENCY")
    return Settings(
        env=mode,
        database_url=env.get("DATABASE_URL") or None,
        redis_url=env.get("REDIS_URL") or None,
        secret_key=env.get("DAZZLE_SECRET_KEY") or None,
        secret_key_fallbacks=tuple(
            k.strip()
            for k in (env.get("DAZZLE_SECRET_KEY_FALLBACKS") or "").split(",")
            if k.strip()
        ),
        db_pool_min=_int(env, "DAZZLE_DB_POOL_MIN", 2, problems),
        db_pool_max=_int(env, "DAZZLE_DB_POOL_MAX", 10, problems),
        db_pool_timeout=_float(env, "DAZZLE_DB_POOL_TIMEOUT", 5.0, problems),
        db_statement_timeout=_float(env, "DAZZLE_DB_STATEMENT_TIMEOUT", 30.0, problems),
        db_slow_query_ms=_float(env, "DAZZLE_DB_SLOW_QUERY_MS", 500.0, problems),
        file_storage=storage,
        aws_s3_bucket=env.get("AWS_S3_BUCKET") or None,
        aws_region=env.get("AWS_REGION") or None,
        aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
        allow_no_auth=env.get("DAZZLE_ALLOW_NO_AUTH", "") == "1",
        project_root=env.get("DAZZLE_PROJECT_ROOT") or ".",
        web_concurrency=int(concurrency) if concurrency and concurrency.isdigit() else None,
        forwarded_allow_ips=env.get("FORWARDED_ALLOW_IPS") or None,
        smtp_url=env.get("DAZZLE_SMTP_URL") or None,
        email_from=env.get("DAZZLE_EMAIL_FROM") or None,
        base_url=(env.get("DAZZLE_BASE_URL") or "").rstrip("/") or None,
        max_body_kb=_int(env, "DAZZLE_MAX_BODY_KB", DEFAULT_MAX_BODY_KB, problems),
        body_timeout=_float(env, "DAZZLE_BODY_TIMEOUT", 30.0, problems),
        migration_lock_timeout=_float(env, "DAZZLE_MIGRATION_LOCK_TIMEOUT", 45.0, problems),
        problems=tuple(problems),
    )


def secret_strength_problem(key: str) -> str | None:
    """Why a secret key is too weak, or None. 32 bytes, and not a repeated pattern."""
    raw = key.encode()
    if len(raw) < MIN_SECRET_BYTES:
        return f"is {len(raw)} bytes; it needs at least {MIN_SECRET_BYTES}"
    counts = Counter(raw)
    entropy_bits = -sum(c / len(raw) * math.log2(c / len(raw)) for c in counts.values()) * len(raw)
    if len(counts) < 8 or entropy_bits < 128:
        return "has too little entropy (a repeated or simple pattern)"
    return None


def check_settings(settings: Settings, manifest: Manifest | None) -> list[str]:
    """Every problem with the settings for this project, one actionable line each."""
    problems = list(settings.problems)
    hint_key = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
    if settings.db_pool_min < 0:
        problems.append(f"DAZZLE_DB_POOL_MIN={settings.db_pool_min} must be 0 or more")
    if settings.db_pool_max < 1:
        problems.append(f"DAZZLE_DB_POOL_MAX={settings.db_pool_max} must be at least 1")
    if settings.db_pool_max < settings.db_pool_min:
        problems.append(
            f"DAZZLE_DB_POOL_MAX={settings.db_pool_max} is below "
            f"DAZZLE_DB_POOL_MIN={settings.db_pool_min}: raise the maximum or lower the minimum"
        )
    if settings.db_statement_timeout > MAX_STATEMENT_TIMEOUT:
        problems.append(
            f"DAZZLE_DB_STATEMENT_TIMEOUT={settings.db_statement_timeout:g} is more than a day: "
            "set it in seconds, e.g. 30"
        )
    if settings.max_body_kb < 1:
        problems.append(
            f"DAZZLE_MAX_BODY_KB={settings.max_body_kb} must be at least 1 (kibibytes; "
            f"the default is {DEFAULT_MAX_BODY_KB})"
        )
    url = settings.database_url or (manifest_database_url(manifest) if manifest else None)
    if url is not None:
        problem = database_url_problem(url)
        if problem:
            problems.append(problem)
    if settings.redis_url is not None and not settings.redis_url.startswith(
        ("redis://", "rediss://", "unix://")
    ):
        problems.append("REDIS_URL must start with redis:// or rediss://")
    if settings.production:
        if url is None:
            problems.append("DATABASE_URL is not set: production needs a PostgreSQL URL")
        elif not _is_postgres(url):
            problems.append("DATABASE_URL must be a PostgreSQL URL in production")
        if settings.redis_url is None:
            problems.append("REDIS_URL is not set: production needs Redis for shared state")
        if settings.secret_key is None:
            problems.append(f"DAZZLE_SECRET_KEY is not set: {hint_key}")
        else:
            weak = secret_strength_problem(settings.secret_key)
            if weak:
                problems.append(f"DAZZLE_SECRET_KEY {weak}: {hint_key}")
        if manifest is not None and not manifest.auth.enabled and not settings.allow_no_auth:
            problems.append(
                "[auth] enabled = false leaves the app open to anyone: enable auth in "
                "dazzle.toml, or set DAZZLE_ALLOW_NO_AUTH=1 to accept that"
            )
    for n, old in enumerate(settings.secret_key_fallbacks, 1):
        if len(old.encode()) < 16:
            problems.append(
                f"DAZZLE_SECRET_KEY_FALLBACKS: key {n} is {len(old.encode())} bytes; a previous "
                "DAZZLE_SECRET_KEY goes there unchanged (comma-separated)"
            )
    problems += _mail_problems(settings, manifest)
    if settings.file_storage == "s3" and not settings.aws_s3_bucket:
        problems.append("DAZZLE_FILE_STORAGE=s3 needs AWS_S3_BUCKET")
    if manifest is not None:
        pin = version_pin_problem(manifest)
        if pin:
            problems.append(pin)
    return problems


def _mail_problems(settings: Settings, manifest: Manifest | None) -> list[str]:
    from dazzle_back.mail.smtp import smtp_url_problem

    problems = []
    if settings.smtp_url:
        bad = smtp_url_problem(settings.smtp_url)
        if bad:
            problems.append(bad)
    if settings.base_url is not None:
        parts = urlsplit(settings.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
            problems.append(
                f"DAZZLE_BASE_URL={settings.base_url!r} must be the app's address, such as "
                "https://your-app.herokuapp.com"
            )
    if settings.production and settings.smtp_url and not settings.base_url:
        problems.append(
            "DAZZLE_SMTP_URL is set but DAZZLE_BASE_URL is not: set it to the app's address "
            "(https://...), which emailed links point to"
        )
    explicit_open = manifest is not None and manifest.auth.registration == "open"
    if settings.production and explicit_open and not (settings.smtp_url and settings.base_url):
        problems.append(
            '[auth] registration = "open" confirms new addresses by email: set DAZZLE_SMTP_URL '
            'and DAZZLE_BASE_URL, or choose registration = "invite" or "closed"'
        )
    return problems


def registration_mode(manifest: Manifest, production: bool) -> str:
    """``[auth] registration``; else the published ``allow_registration``; else closed in
    production and open in development."""
    config = manifest.auth
    if config.registration is not None:
        return config.registration
    if config.allow_registration is not None:
        return "open" if config.allow_registration else "closed"
    return "closed" if production else "open"


def master_key(settings: Settings, project_dir: Path) -> bytes:
    """DAZZLE_SECRET_KEY; outside production, a key generated once into
    ``.dazzle/secret`` (so sessions survive restarts and workers agree), or a key for this
    process alone where the project folder is read-only."""
    if settings.secret_key:
        return settings.secret_key.encode()
    path = project_dir / ".dazzle" / "secret"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # exclusive: of two workers starting together, one writes and both read it
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(secrets.token_urlsafe(48) + "\n")
        for _ in range(50):
            key = path.read_text(encoding="utf-8").strip()
            if len(key) >= MIN_SECRET_BYTES:
                return key.encode()
            time.sleep(0.01)  # the other worker is still writing it
    except OSError:
        pass
    return secrets.token_bytes(48)


def version_pin_problem(manifest: Manifest, version: str = __version__) -> str | None:
    if manifest.framework_version is None or manifest.accepts_version(version):
        return None
    return (
        f"dazzle.toml pins framework_version {manifest.framework_version!r} but Dazzle "
        f"{version} is installed: pip install 'dazzle{_pip_spec(manifest)}'"
    )


def _pip_spec(manifest: Manifest) -> str:
    spec = manifest.framework_spec
    if spec is None:
        return ""
    parts = sorted((str(s) for s in spec), key=lambda s: (s.startswith("<"), s))
    return ",".join(parts)


def manifest_database_url(manifest: Manifest) -> str | None:
    url = manifest.database_url
    if url and url.startswith("env:"):
        return os.environ.get(url[4:]) or None
    return url


def _is_postgres(url: str) -> bool:
    return url.split(":", 1)[0].split("+", 1)[0] in ("postgres", "postgresql")


def database_url_problem(url: str) -> str | None:
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme not in ("postgres", "postgresql", "sqlite"):
        return f"DATABASE_URL scheme {scheme!r} is not supported: use postgresql:// or sqlite:///"
    if scheme != "sqlite" and not urlsplit(url).hostname and "host=" not in url:
        return "DATABASE_URL has no host: use postgresql://user:password@host:5432/dbname"
    return None


def resolve_database_url(settings: Settings, manifest: Manifest | None, project_dir: Path) -> str:
    """The SQLAlchemy async URL to use: DATABASE_URL, then dazzle.toml, then the dev SQLite."""
    url = settings.database_url or (manifest_database_url(manifest) if manifest else None)
    if url is None:
        state = project_dir / ".dazzle"
        state.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{(state / 'dazzle.db').resolve()}"
    return to_async_url(url)


def to_async_url(url: str) -> str:
    """``postgres://`` (Heroku) and ``postgresql://`` -> asyncpg; ``sqlite://`` -> aiosqlite;
    libpq's ``sslmode`` becomes asyncpg's ``ssl``."""
    scheme, rest = url.split("://", 1)
    base = scheme.split("+", 1)[0]
    if base in ("postgres", "postgresql"):
        parts = urlsplit("postgresql+asyncpg://" + rest)
        query = []
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key == "sslmode":
                query.append(("ssl", "disable" if value == "disable" else value))
            else:
                query.append((key, value))
        return urlunsplit(parts._replace(query=urlencode(query)))
    if base == "sqlite":
        return "sqlite+aiosqlite://" + rest
    return url
