"""Getting an account without an operator at the keyboard: sign-up with a confirmed
address, invitations, and password reset by email.

None of these answers tells the asker whether an address has an account: sign-up always
says "check your inbox" (the inbox then holds either a confirmation link or a note that
the address is registered already), a reset request always says the same, and both do
the same slow work either way. The account is created only when the link comes back, so
an address is linked to an existing user row only once its owner has proved it is theirs
(see ``accounts``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from dazzle_back.auth import emails
from dazzle_back.auth.accounts import Account
from dazzle_back.auth.links import INVITE, RESET, SIGNUP, Link
from dazzle_back.auth.options import AuthOptions
from dazzle_back.auth.throttle import MAIL_ADDRESS, MAIL_RECIPIENT, SIGNUP_ADDRESS
from dazzle_back.errors import DomainError, Forbidden, UniqueViolation

if TYPE_CHECKING:
    from dazzle_back.auth.service import Auth

SLOW_DOWN = "too many requests from here; try again later"


class SignUp:
    def __init__(self, auth: Auth, options: AuthOptions) -> None:
        self.auth = auth
        self.options = options
        self.app = auth.spec.title

    # -- where links point ------------------------------------------------------------------

    def base_url(self, request_base: str | None) -> str | None:
        """DAZZLE_BASE_URL when set. Without it, the request's own address, but only in
        development: in production a forged Host header would put an attacker's site in
        the emailed link (password-reset poisoning)."""
        if self.options.base_url:
            return self.options.base_url.rstrip("/")
        if self.options.production or not request_base:
            return None
        return request_base.rstrip("/")

    @property
    def open(self) -> bool:
        return self.options.registration == "open" and self._mail_ok

    @property
    def _mail_ok(self) -> bool:
        """Emailed links need a real mail server and a fixed address in production; in
        development they go to the log."""
        return not self.options.production or (
            self.options.mailer.delivers and bool(self.options.base_url)
        )

    @property
    def resets(self) -> bool:
        return self.auth.enabled and self._mail_ok

    @property
    def mail_goes_to_log(self) -> bool:
        return not self.options.mailer.delivers

    def _url(self, base: str | None, path: str, token: str) -> str:
        return f"{base or ''}{path}?token={quote(token)}"

    # -- open sign-up -----------------------------------------------------------------------

    async def request(
        self, email: str, password: str, name: str | None, address: str, base: str | None
    ) -> str:
        """Ask for an account; the answer is the same whether or not the address has one."""
        if not self.open:
            raise Forbidden("self sign-up is turned off for this app")
        await self.auth.throttle.take((SIGNUP_ADDRESS, address), message=SLOW_DOWN)
        email = self.auth.accounts.check_email(email)
        self.auth.accounts.check_password(password, email)
        await self.auth.throttle.take((MAIL_RECIPIENT, email), message=SLOW_DOWN)
        hashed = await self.auth.passwords.hash(password)  # both ways: equal time
        url_base = self.base_url(base)
        if await self.auth.accounts.by_email(email) is not None:
            reset = None
            if self.resets:
                token = await self.auth.links.issue(RESET, email, {})
                reset = self._url(url_base, "/app/password-reset/confirm", token)
            await self.options.mailer.send(emails.already_registered(self.app, email, reset))
        else:
            roles = [self.auth.config.default_role] if self.auth.config.default_role else []
            data: dict[str, Any] = {"password_hash": hashed, "name": name, "roles": roles}
            token = await self.auth.links.issue(SIGNUP, email, data)
            url = self._url(url_base, "/app/register/confirm", token)
            await self.options.mailer.send(emails.confirm_signup(self.app, email, url))
        return f"check your inbox: we sent a link to {email} to finish signing up"

    async def pending(self, token: str) -> Link:
        return await self.auth.links.peek(SIGNUP, token)

    async def confirm(self, token: str) -> Account:
        """The address is proven: create the account (linked as ``accounts`` says)."""
        link = await self.auth.links.redeem(SIGNUP, token)
        try:
            return await self.auth.accounts.create(
                link.email,
                None,
                list(link.data.get("roles") or []),
                name=link.data.get("name"),
                password_hash=link.data.get("password_hash"),
            )
        except UniqueViolation:
            raise  # the account exists now (confirmed twice, or created meanwhile)
        except DomainError:
            await self.auth.links.restore(token)
            raise

    # -- invitations ------------------------------------------------------------------------

    async def invite(
        self, email: str, roles: list[str], name: str | None, base: str | None
    ) -> tuple[str, str]:
        """An invitation link for ``email`` (the operator's decision, so accepting it links
        the account to that address's user row if there is one); emailed when mail is set
        up. Returns (token, url)."""
        if not self.options.invitations:
            raise Forbidden(
                'invitations are off: set [auth] registration = "invite" (or "open") in dazzle.toml'
            )
        email = self.auth.accounts.check_email(email)
        if await self.auth.accounts.by_email(email) is not None:
            raise UniqueViolation("an account with this email already exists")
        token = await self.auth.links.issue(INVITE, email, {"roles": roles, "name": name})
        url = self._url(self.base_url(base) or self.options.base_url, "/app/invite", token)
        if self.options.mailer.delivers:
            await self.options.mailer.send(emails.invitation(self.app, email, url))
        return token, url

    async def invitation(self, token: str) -> Link:
        return await self.auth.links.peek(INVITE, token)

    async def accept(self, token: str, password: str) -> Account:
        link = await self.auth.links.peek(INVITE, token)
        self.auth.accounts.check_password(password, link.email)
        link = await self.auth.links.redeem(INVITE, token)
        try:
            return await self.auth.accounts.create(
                link.email,
                password,
                list(link.data.get("roles") or []),
                name=link.data.get("name"),
            )
        except UniqueViolation:
            raise
        except DomainError:
            await self.auth.links.restore(token)
            raise

    # -- password reset ---------------------------------------------------------------------

    async def request_reset(self, email: str, address: str, base: str | None) -> str:
        if not self.resets:
            raise Forbidden("password reset by email is not set up for this app")
        await self.auth.throttle.take((MAIL_ADDRESS, address), message=SLOW_DOWN)
        email = self.auth.accounts.check_email(email)
        await self.auth.throttle.take((MAIL_RECIPIENT, email), message=SLOW_DOWN)
        account = await self.auth.accounts.by_email(email)
        if account is not None and account.is_active:
            token = await self.auth.links.issue(RESET, email, {"account_id": str(account.id)})
            url = self._url(self.base_url(base), "/app/password-reset/confirm", token)
            await self.options.mailer.send(emails.reset_password(self.app, email, url))
        return f"if {email} has an account, we sent it a link to choose a new password"

    async def reset_link(self, token: str) -> Link:
        return await self.auth.links.peek(RESET, token)

    async def reset(self, token: str, password: str) -> Account:
        """Set the new password and sign the account out everywhere (sessions and API
        tokens: whoever knew the old password may have made some)."""
        link = await self.auth.links.peek(RESET, token)
        self.auth.accounts.check_password(password, link.email)
        link = await self.auth.links.redeem(RESET, token)
        account = await self.auth.accounts.by_email(link.email)
        if account is None or not account.is_active:
            raise Forbidden("this account cannot sign in; ask the app's administrator")
        await self.auth.accounts.set_password(account.id, password)
        await self.auth.revoke(str(account.id))
        return account
