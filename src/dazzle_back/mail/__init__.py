"""Outgoing email: sign-up confirmations, invitations and password resets.

``DAZZLE_SMTP_URL`` picks the transport: ``smtp://user:password@host:587`` (STARTTLS when
the server offers it), ``smtps://...:465`` (TLS from the start). Without it, messages are
written to the log instead (development), as Django's console backend does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


class Mailer(Protocol):
    #: False for the log-only transport: pages say where the message went
    delivers: bool

    async def send(self, message: Message) -> None: ...


def make_mailer(smtp_url: str | None, sender: str) -> Mailer:
    if smtp_url:
        from dazzle_back.mail.smtp import SmtpMailer

        return SmtpMailer(smtp_url, sender)
    from dazzle_back.mail.console import LogMailer

    return LogMailer(sender)
