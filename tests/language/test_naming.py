"""API paths and UI slugs derived from entity names."""

from __future__ import annotations

import pytest

from dazzle.naming import plural, ui_slug


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Task", "tasks"),
        ("Person", "people"),
        ("SalesPerson", "salespeople"),
        ("TaskComment", "taskcomments"),
        ("Category", "categories"),
        ("Day", "days"),
        ("Status", "statuses"),
        ("Address", "addresses"),
        ("Box", "boxes"),
        ("Batch", "batches"),
        ("Quiz", "quizzes"),
        ("Hero", "heroes"),
        ("Photo", "photos"),
        ("Leaf", "leaves"),
        ("Knife", "knives"),
        ("Analysis", "analyses"),
        ("Child", "children"),
        ("Series", "series"),
        ("Datum", "data"),
    ],
)
def test_plural(name: str, expected: str) -> None:
    assert plural(name) == expected


def test_ui_slug() -> None:
    assert ui_slug("TaskComment") == "taskcomment"
    assert ui_slug("underscore_test") == "underscore-test"
