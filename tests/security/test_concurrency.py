"""Concurrent writes keep the DSL's promises, on PostgreSQL and on SQLite, through the
production server with two workers (v0.38/simple_task):

- ``todo -> in_progress: requires assigned_to``, ``in_progress -> review | todo``,
  ``review -> done | in_progress``, ``done -> todo: role(admin)``;
- ``invariant: priority != "urgent" or due_date != null``.

Many clients fire at one task at once; afterwards the stored row is read back and checked,
and the answers are checked against each other: every state a client was told it reached
must lie on one legal path from where the round started, ending where the row is.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.security.harness import Server, production_server

MOVES = {
    "todo": {"in_progress"},
    "in_progress": {"review", "todo"},
    "review": {"done", "in_progress"},
    "done": {"todo"},
}
STATES = tuple(MOVES)
ROUNDS = 12


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Server]:  # fmt: skip
    with production_server(tmp_path_factory.mktemp("concurrency"), dialect=request.param) as s:
        s.user("root@example.com", superuser=True)
        yield s


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[httpx.Client]:
    token = server.browser("198.51.100.1").token("root@example.com")
    with httpx.Client(base_url=server.base, headers=token, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def people(api: httpx.Client) -> list[str]:
    return [
        api.post(
            "/users", json={"email": f"p{i}-{uuid.uuid4().hex[:6]}@example.com", "name": f"P{i}"}
        ).json()["id"]
        for i in range(2)
    ]


def _task(api: httpx.Client, **values: Any) -> dict[str, Any]:
    r = api.post("/tasks", json={"title": f"t-{uuid.uuid4().hex[:8]}", **values})
    assert r.status_code == 201, r.text
    return dict(r.json())


def _stored(api: httpx.Client, task_id: str) -> dict[str, Any]:
    r = api.get(f"/tasks/{task_id}?expand=false")
    assert r.status_code == 200
    return dict(r.json())


def _at_once(api: httpx.Client, task_id: str, bodies: list[dict[str, Any]]) -> list[httpx.Response]:
    """PATCH the task with every body at the same moment (a barrier releases them)."""
    gate = threading.Barrier(len(bodies))

    def send(body: dict[str, Any]) -> httpx.Response:
        gate.wait()
        return api.patch(f"/tasks/{task_id}?expand=false", json=body)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(send, bodies))


def _invariant_holds(row: dict[str, Any]) -> bool:
    return row["priority"] != "urgent" or row["due_date"] is not None


def _legal_path(start: str, reached: list[str], end: str) -> bool:
    """Some order of the reached states is a legal walk from ``start`` ending at ``end``
    (a state equal to the current one is a change that moved nothing)."""
    for order in itertools.permutations(reached):
        state, ok = start, True
        for nxt in order:
            if nxt != state and nxt not in MOVES[state]:
                ok = False
                break
            state = nxt
        if ok and state == end:
            return True
    return not reached and start == end


def test_conflicting_transitions_have_one_winner(api: httpx.Client, people: list[str]) -> None:
    """From review, ``done`` and ``in_progress`` are both legal and exclude each other."""
    for _ in range(ROUNDS):
        t = _task(api, assigned_to=people[0])
        for state in ("in_progress", "review"):
            assert api.patch(f"/tasks/{t['id']}", json={"status": state}).status_code == 200
        answers = _at_once(api, t["id"], [{"status": "done"}, {"status": "in_progress"}] * 3)
        winners = {r.json()["status"] for r in answers if r.status_code == 200}
        final = _stored(api, t["id"])["status"]
        assert len(winners) == 1 and final in winners, (winners, final)
        assert all(r.status_code in (200, 422) for r in answers)


def test_two_fine_edits_never_combine_into_a_broken_row(
    api: httpx.Client, people: list[str]
) -> None:
    for _ in range(ROUNDS):
        t = _task(api, due_date="2030-01-01")
        answers = _at_once(api, t["id"], [{"priority": "urgent"}, {"due_date": None}] * 2)
        row = _stored(api, t["id"])
        assert _invariant_holds(row), row
        assert all(_invariant_holds(r.json()) for r in answers if r.status_code == 200)
        refused = [r.json()["type"] for r in answers if r.status_code != 200]
        assert set(refused) <= {"invariant_violation"}, refused


def test_a_guard_is_not_beaten_by_a_concurrent_clear(api: httpx.Client, people: list[str]) -> None:
    """One client moves todo -> in_progress (which requires an assignee) while two clear
    the assignee: if the move succeeded, it committed with its requirement met."""
    outcomes = set()
    for _ in range(ROUNDS):
        t = _task(api, assigned_to=people[0])
        move, *_clears = _at_once(
            api, t["id"], [{"status": "in_progress"}, {"assigned_to": None}, {"assigned_to": None}]
        )
        if move.status_code == 200:
            assert move.json()["assigned_to"] is not None, move.json()
        else:
            assert move.json()["type"] == "transition_error", move.text
        outcomes.add(move.status_code)
        row = _stored(api, t["id"])
        assert row["assigned_to"] is None  # the clears always succeed, before or after


def test_if_match_refuses_a_stale_version(api: httpx.Client) -> None:
    t = _task(api)
    first = api.get(f"/tasks/{t['id']}")
    tag = first.headers["etag"]
    assert api.get(f"/tasks/{t['id']}", headers={"If-None-Match": tag}).status_code == 304
    answers = _at_once(api, t["id"], [{"title": f"mine {i}"} for i in range(4)])
    assert all(r.status_code == 200 for r in answers)
    # now with the version each client read: one wins, the others learn it changed
    tag = api.get(f"/tasks/{t['id']}").headers["etag"]
    gate = threading.Barrier(4)

    def conditional(i: int) -> httpx.Response:
        gate.wait()
        return api.patch(f"/tasks/{t['id']}", json={"title": f"careful {i}"},
                         headers={"If-Match": tag})  # fmt: skip

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(conditional, range(4)))
    assert sorted(r.status_code for r in results) == [200, 412, 412, 412]
    winner = next(r for r in results if r.status_code == 200).json()["title"]
    assert _stored(api, t["id"])["title"] == winner
    stale = results[1] if results[0].status_code == 200 else results[0]
    assert stale.json()["type"] == "precondition_failed" and stale.json()["etag"] != tag
    assert api.delete(f"/tasks/{t['id']}", headers={"If-Match": tag}).status_code == 412
    assert api.delete(f"/tasks/{t['id']}", headers={"If-Match": '"nope", *'}).status_code == 200


class Interleavings(RuleBasedStateMachine):
    """Random rounds of concurrent edits on one task; after each, the stored row and
    every answer keep the invariant and the state machine."""

    api: httpx.Client
    people: list[str]

    @initialize()
    def start(self) -> None:
        self.task = _task(self.api, assigned_to=self.people[0], due_date="2030-01-01")
        self.state = "todo"

    @rule(
        bodies=st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "status": st.sampled_from(STATES),
                    "priority": st.sampled_from(("low", "urgent")),
                    "due_date": st.sampled_from((None, "2031-02-03")),
                    "assigned_to": st.sampled_from((None, "p0", "p1")),
                },
            ),
            min_size=2,
            max_size=5,
        )
    )
    def concurrent_round(self, bodies: list[dict[str, Any]]) -> None:
        for b in bodies:
            if b.get("assigned_to") in ("p0", "p1"):
                b["assigned_to"] = self.people[int(b["assigned_to"][1])]
        answers = _at_once(self.api, self.task["id"], bodies)
        assert all(r.status_code in (200, 422) for r in answers), [r.text for r in answers]
        row = _stored(self.api, self.task["id"])
        reached = []
        for body, r in zip(bodies, answers, strict=True):
            if r.status_code != 200:
                continue
            got = r.json()
            assert _invariant_holds(got), got
            if "status" in body:
                reached.append(got["status"])
        assert _legal_path(self.state, reached, row["status"]), (self.state, reached, row)
        self.state = row["status"]
        self.row = row

    @invariant()
    def stored_row_is_sound(self) -> None:
        row = getattr(self, "row", None)
        if row is not None:
            assert _invariant_holds(row), row


def test_any_interleaving_keeps_the_rules(api: httpx.Client, people: list[str]) -> None:
    Interleavings.api = api
    Interleavings.people = people
    run_state_machine_as_test(
        Interleavings,
        settings=settings(
            max_examples=8,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
