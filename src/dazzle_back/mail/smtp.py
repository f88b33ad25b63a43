"""SMTP delivery with the standard library, in a worker thread (smtplib blocks)."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

import structlog

from dazzle_back.errors import Unavailable
from dazzle_back.mail import Message

TIMEOUT_SECONDS = 10
log = structlog.get_logger("dazzle.mail")


def smtp_url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        return "DAZZLE_SMTP_URL must look like smtp://user:password@host:587 or smtps://...:465"
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "DAZZLE_SMTP_URL has a bad port number"
    return None


class SmtpMailer:
    delivers = True

    def __init__(self, url: str, sender: str) -> None:
        parts = urlsplit(url)
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender

    async def send(self, message: Message) -> None:
        try:
            await asyncio.to_thread(self._send, message)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("email_failed", host=self.host, port=self.port, error=str(exc)[:200])
            raise Unavailable(
                "the email could not be sent; try again shortly", headers={"Retry-After": "30"}
            ) from None

    def _send(self, message: Message) -> None:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Message-ID"] = make_msgid()
        email.set_content(message.body)
        context = ssl.create_default_context()
        if self.implicit_tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=TIMEOUT_SECONDS, context=context
            )
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS)
        with client:
            if not self.implicit_tls:
                client.ehlo()
                if client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
            if self.user:
                client.login(self.user, self.password or "")
            client.send_message(email)
