"""What the auth services need from the deployment, handed over at construction (the
runtime reads the environment; the services never do)."""

from __future__ import annotations

from dataclasses import dataclass

from dazzle_back.mail import Mailer

REGISTRATION_MODES = ("closed", "open", "invite")


@dataclass(frozen=True)
class AuthOptions:
    master_key: bytes  # DAZZLE_SECRET_KEY (or the development key): every secret derives from it
    mailer: Mailer
    fallback_keys: tuple[bytes, ...] = ()  # DAZZLE_SECRET_KEY_FALLBACKS: still accepted
    production: bool = False
    cheap_hashing: bool = False  # the test environment makes hundreds of accounts
    shared_sessions: bool = False  # Redis is there: sessions live in it, not the database
    # closed: accounts only from `dazzle user create`; invite: also by invitation;
    # open: anyone may sign up, confirming their address by email
    registration: str = "closed"
    base_url: str | None = None  # where emailed links point (DAZZLE_BASE_URL)

    @property
    def invitations(self) -> bool:
        return self.registration in ("open", "invite")
