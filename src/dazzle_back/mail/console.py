"""The development transport: each message becomes one ``email`` log event."""

from __future__ import annotations

import structlog

from dazzle_back.mail import Message

log = structlog.get_logger("dazzle.mail")


class LogMailer:
    delivers = False

    def __init__(self, sender: str) -> None:
        self.sender = sender
        self.sent: list[Message] = []  # the last few, for tests and the dev console

    async def send(self, message: Message) -> None:
        self.sent = [*self.sent[-19:], message]
        log.info("email", to=message.to, subject=message.subject, body=message.body)
