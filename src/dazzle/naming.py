"""Names the runtime derives from the model: API paths, UI slugs, labels."""

from __future__ import annotations

_IRREGULAR = (
    ("person", "people"),
    ("child", "children"),
    ("woman", "women"),
    ("man", "men"),
    ("mouse", "mice"),
    ("goose", "geese"),
    ("tooth", "teeth"),
    ("foot", "feet"),
    ("datum", "data"),
    ("criterion", "criteria"),
)
_UNCHANGED = ("sheep", "series", "species", "news", "data", "equipment", "information")
_O_ES = ("hero", "potato", "tomato", "echo", "veto", "torpedo", "embargo", "volcano")
_F_VES = {
    "leaf": "leaves",
    "knife": "knives",
    "life": "lives",
    "wife": "wives",
    "half": "halves",
    "shelf": "shelves",
    "wolf": "wolves",
    "thief": "thieves",
    "calf": "calves",
    "loaf": "loaves",
    "self": "selves",
    "elf": "elves",
    "scarf": "scarves",
}


def plural(name: str) -> str:
    """The lower-case English plural used for API paths: Task -> tasks, Person -> people,
    TaskComment -> taskcomments, Category -> categories, Status -> statuses."""
    word = name.lower()
    for end in _UNCHANGED:
        if word.endswith(end):
            return word
    for singular, many in _IRREGULAR:
        if word.endswith(singular):
            return word[: -len(singular)] + many
    for singular, many in _F_VES.items():
        if word.endswith(singular):
            return word[: -len(singular)] + many
    if word.endswith(_O_ES):
        return word + "es"
    if word.endswith("sis"):
        return word[:-3] + "ses"
    single_vowel = (
        len(word) > 2 and word[-2] in "aeiou" and (word[-3] not in "aeiou" or word[-4:-2] == "qu")
    )
    if word.endswith("z") and single_vowel:
        return word + "zes"  # quiz -> quizzes
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


# First path segments the framework serves itself. An entity whose plural is one of them
# is served under /api/<plural> instead (entity Doc: /api/docs, while /docs stays the API
# documentation), so no route ever silently hides another; `dazzle inspect` shows the same.
FRAMEWORK_SEGMENTS = frozenset(
    {"health", "ready", "docs", "openapi.json", "auth", "app", "static", "files", "api", "redoc"}
)


def api_path(entity: str) -> str:
    """The REST collection path of an entity: ``/<plural>``, or ``/api/<plural>`` when the
    framework already serves ``/<plural>``."""
    p = plural(entity)
    return f"/api/{p}" if p in FRAMEWORK_SEGMENTS else f"/{p}"


def ui_slug(entity: str) -> str:
    """UI slug: the entity name lower-cased with ``_`` -> ``-`` (as published)."""
    return entity.lower().replace("_", "-")
