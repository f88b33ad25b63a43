"""Rate limits on sign-in, sign-up and emailed links, shared by every worker and dyno.

An attempt is counted *before* the work it guards (an atomic increment in the shared
store), so 40 concurrent guesses at one password cost at most the budget's worth of
password checks, whatever the number of workers. Successful sign-ins give their count
back: budgets measure failures.

Sign-in budgets, chosen so guessing is slow and nobody can lock the owner out:
- per client address: 30 failures per 15 minutes, across all accounts;
- per account, from browsers that have never signed in to it: 5 per 15 minutes;
- per account and trusted browser (one that signed in to it before, proven by a signed
  ``dazzle_device`` cookie): 10 per 15 minutes of its own. An attacker who exhausts the
  account's budget does not touch the owner's browsers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from dazzle_back.errors import RateLimited
from dazzle_back.kv import KV


@dataclass(frozen=True)
class Budget:
    name: str
    limit: int
    window: int  # seconds

    def key(self, subject: str) -> str:
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
        return f"dazzle:rl:{self.name}:{digest}"


LOGIN_ADDRESS = Budget("login-addr", 30, 15 * 60)
LOGIN_ACCOUNT = Budget("login-acct", 5, 15 * 60)
LOGIN_DEVICE = Budget("login-dev", 10, 15 * 60)
PASSWORD_CHANGE = Budget("password-change", 5, 15 * 60)  # wrong current passwords, per account
SIGNUP_ADDRESS = Budget("signup-addr", 10, 60 * 60)
MAIL_ADDRESS = Budget("mail-addr", 10, 60 * 60)  # reset and sign-up links asked from one place
MAIL_RECIPIENT = Budget("mail-to", 3, 60 * 60)  # emails one inbox receives


@dataclass(frozen=True)
class Ticket:
    """The counts an attempt took, to give back when it turns out well."""

    keys: tuple[tuple[str, int], ...]  # (key, window)


class Throttle:
    def __init__(self, kv: KV) -> None:
        self.kv = kv

    async def take(self, *charges: tuple[Budget, str], message: str) -> Ticket:
        """Count one attempt against each budget in turn; the first that is over its limit
        refuses (429 with ``Retry-After``) and the later ones are not charged."""
        taken: list[tuple[str, int]] = []
        for budget, subject in charges:
            key = budget.key(subject)
            count = await self.kv.incr(key, ttl=budget.window)
            taken.append((key, budget.window))
            if count > budget.limit:
                wait = await self.kv.ttl(key) or budget.window
                raise RateLimited(message, headers={"Retry-After": str(max(1, int(wait) + 1))})
        return Ticket(tuple(taken))

    async def give_back(self, ticket: Ticket) -> None:
        for key, window in ticket.keys:  # a window that ended meanwhile expires all the same
            await self.kv.incr(key, ttl=window, amount=-1)
