"""Guessing passwords against the production server (two workers, Redis): attempts are
counted before the password is checked, the client address is the router's last hop
(not what the client writes into ``X-Forwarded-For``), and an attacker who spends an
account's budget does not lock its owner out of a browser they signed in with before."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.security.harness import PASSWORD, Server, production_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with production_server(tmp_path_factory.mktemp("throttle")) as s:
        for name in ("target", "owner", "spray"):
            s.user(f"{name}@example.com")
        yield s


def _guess(base: str, email: str, forwarded: str) -> int:
    r = httpx.post(
        f"{base}/auth/login",
        json={"email": email, "password": "not-the-password"},
        headers={"X-Forwarded-For": forwarded},
        timeout=60,
    )
    return r.status_code


def test_concurrent_guesses_are_counted_before_the_hash(server: Server) -> None:
    """40 guesses at once from 40 addresses (so only the account's budget applies): at
    most 5 are checked, the rest are refused without hashing."""
    with ThreadPoolExecutor(40) as pool:
        statuses = list(
            pool.map(
                lambda i: _guess(server.base, "target@example.com", f"192.0.2.{i + 1}"), range(40)
            )
        )
    counts = Counter(statuses)
    assert counts[401] <= 5 and counts[401] + counts[429] == 40, counts
    # the right password is refused now too, from a browser never seen before
    r = server.browser("192.0.2.200").post(
        "/auth/login", json={"email": "target@example.com", "password": PASSWORD}
    )
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


def test_the_forwarded_address_is_the_routers_last_hop(server: Server) -> None:
    """The client writes anything it likes to the left of X-Forwarded-For; the router
    appends the address it saw. 30 failures from one real address, each claiming another,
    and that address is refused; another real address is not."""
    statuses = [
        _guess(server.base, f"nobody{i}@example.com", f"10.9.{i}.1, 203.0.113.7") for i in range(32)
    ]
    assert statuses[:30] == [401] * 30 and statuses[30:] == [429, 429], statuses
    assert _guess(server.base, "nobody@example.com", "10.9.0.1, 203.0.113.8") == 401


def test_the_owner_is_not_locked_out(server: Server) -> None:
    owner = server.browser("198.18.0.1")
    owner.login("owner@example.com")  # a browser the owner used before: it keeps a device cookie
    assert "dazzle_device" in owner.cookies
    owner.post("/auth/logout", headers=owner.csrf)
    for i in range(10):  # an attacker spends the account's budget from many addresses
        _guess(server.base, "owner@example.com", f"198.18.1.{i + 1}")
    stranger = server.browser("198.18.2.1")
    r = stranger.post("/auth/login", json={"email": "owner@example.com", "password": PASSWORD})
    assert r.status_code == 429
    r = owner.post("/auth/login", json={"email": "owner@example.com", "password": PASSWORD})
    assert r.status_code == 200, r.text
    # a device cookie for another account, or a forged one, earns nothing
    forged = server.browser("198.18.2.2")
    forged.cookies["dazzle_device"] = owner.cookies["dazzle_device"][:-4] + "AAAA"
    r = forged.post("/auth/login", json={"email": "owner@example.com", "password": PASSWORD})
    assert r.status_code == 429


def test_wrong_current_passwords_are_counted(server: Server) -> None:
    """A stolen session cannot guess the current password quickly either."""
    b = server.browser("198.18.3.1")
    b.login("spray@example.com")
    statuses = [
        b.post(
            "/auth/change-password",
            headers=b.csrf,
            json={"current_password": f"guess {i}", "new_password": "a new secret here"},
        ).status_code
        for i in range(7)
    ]
    assert statuses == [422] * 5 + [429] * 2
