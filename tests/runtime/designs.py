"""A runner for the test designs shipped with corpus apps (``dsl_generated_tests.json``).

Each design is a list of steps (create, read_list, assert_count, transition, assert_state,
create_expect_error, assert_error, ...) written for the published runtime's REST API.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from dazzle.ir.appspec import AppSpec
from dazzle.naming import plural

API_ACTIONS = {
    "create",
    "read_list",
    "assert_count",
    "create_expect_error",
    "assert_error",
    "transition",
    "transition_expect_error",
    "assert_state",
    "assert_status",
}
_REF = re.compile(r"^\$ref:parent_(\w+)\.(\w+)$")


@dataclass
class Outcome:
    test_id: str
    ok: bool
    step: int = -1
    problem: str = ""
    response: dict[str, Any] = field(default_factory=dict)


def load_designs(app_dir: Path) -> list[dict[str, Any]]:
    path = app_dir / "dsl" / "tests" / "dsl_generated_tests.json"
    if not path.is_file():
        return []
    return list(json.loads(path.read_text())["designs"])


def is_api_design(design: dict[str, Any], spec: AppSpec) -> bool:
    if design.get("persona"):
        return False
    steps = design["steps"]
    if not steps or any(s["action"] not in API_ACTIONS for s in steps):
        return False
    targets = {s["target"].split(":", 1)[1] for s in steps if s["target"].startswith("entity:")}
    return targets <= set(spec.entities)


class DesignRunner:
    def __init__(self, client: TestClient, spec: AppSpec) -> None:
        self.client = client
        self.spec = spec
        self.created: dict[str, dict[str, Any]] = {}  # lower-case entity name -> last record
        self.last: Any = None

    def _path(self, target: str) -> tuple[str, str]:
        name = target.split(":", 1)[1]
        return name, "/" + plural(name)

    def _resolve(self, data: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for k, v in data.items():
            m = _REF.match(v) if isinstance(v, str) else None
            if m:
                record = self.created.get(m.group(1))
                v = record.get(m.group(2)) if record else None
            out[k] = v
        return out

    def run(self, design: dict[str, Any]) -> Outcome:
        self.created.clear()
        self.last = None
        for i, step in enumerate(design["steps"]):
            problem = self._step(step)
            if problem:
                body = self.last.json() if self.last is not None else {}
                return Outcome(design["test_id"], False, i, problem, body)
        return Outcome(design["test_id"], True)

    def _step(self, step: dict[str, Any]) -> str | None:
        action = step["action"]
        data = step.get("data") or {}
        if action in ("create", "create_expect_error"):
            name, path = self._path(step["target"])
            self.last = self.client.post(path, json=self._resolve(data))
            if action == "create":
                if self.last.status_code != 201:
                    return f"create {name}: {self.last.status_code} {self.last.text[:300]}"
                self.created[name.lower()] = self.last.json()
            elif self.last.status_code < 400 or self.last.status_code >= 500:
                return f"expected an error, got {self.last.status_code}"
        elif action == "read_list":
            _, path = self._path(step["target"])
            self.last = self.client.get(path)
            if self.last.status_code != 200:
                return f"list: {self.last.status_code}"
        elif action == "assert_count":
            _, path = self._path(step["target"])
            total = self.client.get(path).json()["total"]
            if total < data.get("min", 0):
                return f"count {total} < {data.get('min')}"
        elif action == "assert_error":
            body = self.last.json() if self.last is not None else {}
            if body.get("type") != data.get("type"):
                return f"error type {body.get('type')!r} != {data.get('type')!r}"
        elif action == "assert_status":
            if self.last is None or self.last.status_code != data.get("status"):
                got = self.last.status_code if self.last is not None else None
                return f"status {got} != {data.get('status')}"
        elif action in ("transition", "transition_expect_error"):
            return self._transition(step, action == "transition")
        elif action == "assert_state":
            name, path = self._path(step["target"])
            record = self.created[name.lower()]
            current = self.client.get(f"{path}/{record['id']}").json()
            if current.get(data["field"]) != data["value"]:
                return f"{data['field']} is {current.get(data['field'])!r}, not {data['value']!r}"
        return None

    def _transition(self, step: dict[str, Any], expect_ok: bool) -> str | None:
        name, path = self._path(step["target"])
        entity = self.spec.entities[name]
        assert entity.state_machine is not None
        record = self.created[name.lower()]
        body = {entity.state_machine.field: step["data"]["to_state"]}
        self.last = self.client.patch(f"{path}/{record['id']}", json=body)
        if expect_ok and self.last.status_code != 200:
            return f"transition: {self.last.status_code} {self.last.text[:300]}"
        if not expect_ok and self.last.status_code != 422:
            return f"expected a refused transition, got {self.last.status_code}"
        return None
