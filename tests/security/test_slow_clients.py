"""Slow clients against the production command line: a request body that stops arriving
is cut off after ``DAZZLE_BODY_TIMEOUT`` (408, connection closed), and while it stalls
the server keeps answering everyone else."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import httpx

from tests.conftest import EXAMPLES
from tests.security.harness import production_server


def _stalled(base: str, path: str, first_chunk: bytes, declared: int) -> socket.socket:
    host, port = base.removeprefix("http://").split(":")
    s = socket.create_connection((host, int(port)))
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    ).encode()
    s.sendall(head + first_chunk)
    return s


def test_a_stalled_body_is_cut_off(tmp_path: Path) -> None:
    env = {"DAZZLE_BODY_TIMEOUT": "2"}
    with production_server(tmp_path, EXAMPLES / "team_tasks", workers=1, env=env) as s:
        started = time.monotonic()
        sockets = [_stalled(s.base, "/auth/login", b'{"email": "a', 200) for _ in range(20)]
        # meanwhile the server answers others at once
        assert httpx.get(f"{s.base}/health", timeout=5).status_code == 200
        for sock in sockets:
            sock.settimeout(10)
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
            assert b"request_timeout" in answer or b"content-length" in answer.lower()
            sock.close()
        assert time.monotonic() - started < 8
        # a body that keeps coming, however slowly, is not cut
        pieces = [b'{"email": ', b'"a@example.com", ', b'"password": "correct horse batt', b'ery"}']
        sock = _stalled(s.base, "/auth/login", pieces[0], len(b"".join(pieces)))
        for piece in pieces[1:]:
            time.sleep(1.5)
            sock.sendall(piece)
        sock.settimeout(10)
        answer = sock.recv(4096)
        assert answer.startswith(b"HTTP/1.1 401"), answer[:200]  # no such account: but read
        sock.close()
