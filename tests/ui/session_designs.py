"""A runner for the corpus designs about signing in and pages (``AUTH_*``, ``ACL_*``,
``WS_*``): HTTP steps with a cookie jar (httpx, like the published runner) and page steps
in Chromium (navigate, wait, assert visible, no console errors). Personas sign in with an
account made for them (``<persona>@designs.test``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from playwright.sync_api import BrowserContext, Page

PASSWORD = "design-password-1"
SESSION_ACTIONS = {
    "login_as",
    "assert_authenticated",
    "post_json",
    "post",
    "get",
    "get_with_cookie",
    "clear_cookies",
    "assert_status",
    "assert_cookie_set",
    "assert_no_cookie",
    "assert_cookie_cleared",
    "assert_redirect_url",
    "assert_unauthenticated",
    "navigate_to",
    "wait_for_load",
    "assert_visible",
    "assert_no_errors",
    "check_route",
}


def persona_email(persona: str) -> str:
    return f"{persona}@designs.test"


def is_session_design(design: dict[str, Any]) -> bool:
    actions = {s["action"] for s in design["steps"]}
    return (
        bool(actions)
        and actions <= SESSION_ACTIONS
        and bool(actions - {"assert_status", "clear_cookies"})
    )


@dataclass
class SessionRunner:
    base: str
    context: BrowserContext
    http: httpx.Client = field(init=False)
    page: Page | None = None
    last: httpx.Response | None = None
    persona: str | None = None
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.http = httpx.Client(base_url=self.base, timeout=30)

    def close(self) -> None:
        self.http.close()

    def run(self, design: dict[str, Any]) -> str | None:
        """None when every step holds; otherwise the step and what went wrong."""
        self.persona = design.get("persona")
        for i, step in enumerate(design["steps"]):
            problem = self.step(step)
            if problem:
                return f"step {i} ({step['action']}): {problem}"
        return None

    def _page(self) -> Page:
        if self.page is None:
            self.page = self.context.new_page()
            self.page.on(
                "console", lambda m: self.errors.append(m.text) if m.type == "error" else None
            )
            self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        return self.page

    def _fill(self, data: dict[str, Any]) -> dict[str, Any]:
        email = persona_email(self.persona or "nobody")
        swap = {"__PERSONA_EMAIL__": email, "__PERSONA_PASSWORD__": PASSWORD}
        return {k: swap.get(v, v) if isinstance(v, str) else v for k, v in data.items()}

    def step(self, step: dict[str, Any]) -> str | None:
        action, target, data = step["action"], step.get("target", ""), step.get("data") or {}
        follow = bool(data.get("follow_redirects"))
        if action == "login_as":
            self.persona = target
            body = {"email": persona_email(target), "password": PASSWORD}
            self.last = self.http.post("/auth/login", json=body)
            # the browser signs in too, so page steps run as the persona
            self.context.request.post(f"{self.base}/auth/login", data=body)
            return None if self.last.status_code == 200 else f"login {self.last.status_code}"
        if action == "assert_authenticated":
            me = self.http.get("/auth/me")
            if me.status_code != 200 or target not in me.json().get("roles", []):
                return f"/auth/me {me.status_code} {me.text[:200]}"
        elif action in ("post_json", "post"):
            body = self._fill(data) if action == "post_json" else None
            headers = {}
            csrf = self.http.cookies.get("dazzle_csrf")
            if csrf:
                headers["X-CSRF-Token"] = csrf
            self.last = self.http.post(target, json=body, headers=headers)
        elif action == "get":
            self.last = self.http.get(target, follow_redirects=follow)
        elif action == "get_with_cookie":
            jar = httpx.Cookies({data["cookie"]: data["value"]})
            with httpx.Client(base_url=self.base, cookies=jar, timeout=30) as other:
                self.last = other.get(target, follow_redirects=follow)
        elif action == "clear_cookies":
            self.http.cookies.clear()
            self.context.clear_cookies()
        elif action == "assert_status":
            got = self.last.status_code if self.last is not None else None
            if got != data["status"]:
                return f"status {got} != {data['status']}"
        elif action in ("assert_cookie_set", "assert_no_cookie", "assert_cookie_cleared"):
            return self._cookie(action, data["cookie"])
        elif action == "assert_redirect_url":
            assert self.last is not None
            got = self.last.json().get("redirect_url")
            if got != data["redirect_url"]:
                return f"redirect_url {got!r} != {data['redirect_url']!r}"
        elif action == "assert_unauthenticated":
            assert self.last is not None
            codes = [r.status_code for r in self.last.history] + [self.last.status_code]
            sent_to_login = self.last.url.path == "/app/login" and bool(self.last.history)
            if not (set(codes) & set(data["expect"])) and not sent_to_login:
                return f"answered {codes} at {self.last.url.path}"
        elif action in ("navigate_to", "check_route"):
            if action == "check_route":
                r = self.http.get(data["route"])
                return None if r.status_code != 404 else f"{data['route']} is not a route"
            response = self._page().goto(self.base + data["route"])
            if response is None or response.status >= 400:
                return f"{data['route']} answered {response.status if response else None}"
        elif action == "wait_for_load":
            self._page().wait_for_load_state("networkidle")
        elif action == "assert_visible":
            if not self._page().locator(target).first.is_visible():
                return f"{target} is not visible at {self._page().url}"
        elif action == "assert_no_errors" and self.errors:
            return f"console errors: {self.errors[:3]}"
        return None

    def _cookie(self, action: str, name: str) -> str | None:
        assert self.last is not None
        sets = [h for h in self.last.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
        if action == "assert_cookie_set" and not any(not _cleared(h) for h in sets):
            return f"no {name} cookie set"
        if action == "assert_no_cookie" and any(not _cleared(h) for h in sets):
            return f"a {name} cookie was set"
        if action == "assert_cookie_cleared" and not any(_cleared(h) for h in sets):
            return f"{name} was not cleared"
        return None


def _cleared(header: str) -> bool:
    lowered = header.lower()
    return (
        "max-age=0" in lowered
        or "expires=thu, 01 jan 1970" in lowered
        or header.split(";", 1)[0].endswith("=")
        or '=""' in header.split(";", 1)[0]
    )
