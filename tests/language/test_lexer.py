"""The lexer: tokens, positions, the offside rule, strings, numbers, durations."""

from __future__ import annotations

from dazzle.dsl.lexer import (
    DEDENT,
    DURATION,
    EOF,
    ERROR,
    INDENT,
    NAME,
    NEWLINE,
    NUMBER,
    OP,
    STRING,
    tokenize,
)


def kinds(text: str) -> list[tuple[str, str]]:
    toks, diags = tokenize(text, "t.dsl")
    assert diags == []
    return [(t.kind, t.value) for t in toks]


def test_words_are_names_and_keywords_are_contextual() -> None:
    assert kinds("entity mode section")[:3] == [(NAME, "entity"), (NAME, "mode"), (NAME, "section")]


def test_offside_rule_emits_indent_and_dedent() -> None:
    toks = [k for k, _ in kinds("a:\n  b\n    c\n  d\ne\n")]
    assert toks == [
        NAME, OP, NEWLINE, INDENT, NAME, NEWLINE, INDENT, NAME, NEWLINE, DEDENT, NAME, NEWLINE,
        DEDENT, NAME, NEWLINE, EOF,
    ]  # fmt: skip


def test_tab_counts_four_spaces() -> None:
    # a tab-indented line and a 4-space line are at the same depth
    toks = [k for k, _ in kinds("a:\n\tb\n    c\n")]
    assert toks.count(INDENT) == 1
    assert toks.count(DEDENT) == 1


def test_blank_and_comment_lines_do_not_change_indentation() -> None:
    toks = [k for k, _ in kinds("a:\n  b\n\n# note\n      \n  c # trailing\n")]
    assert toks.count(INDENT) == 1 and toks.count(DEDENT) == 1


def test_both_quote_styles_and_escapes() -> None:
    toks = kinds(r"""x "a\"b" 'c\'d' "tab\there" "odd\q" """)
    strings = [v for k, v in toks if k == STRING]
    assert strings == ['a"b', "c'd", "tab\there", "oddq"]


def test_multiline_string_keeps_lines_and_positions_after_it() -> None:
    toks, _ = tokenize('a "one\ntwo"\nb\n', "t.dsl")
    s = next(t for t in toks if t.kind == STRING)
    assert s.value == "one\ntwo"
    b = next(t for t in toks if t.value == "b")
    assert (b.line, b.col) == (3, 1)


def test_durations_and_numbers() -> None:
    toks = kinds("7d 24h 30min 2w 3m 1y 200MB 0.00 14 days")
    assert toks[:11] == [
        (DURATION, "7d"), (DURATION, "24h"), (DURATION, "30min"), (DURATION, "2w"),
        (DURATION, "3m"), (DURATION, "1y"), (NUMBER, "200"), (NAME, "MB"), (NUMBER, "0.00"),
        (NUMBER, "14"), (NAME, "days"),
    ]  # fmt: skip


def test_operators_longest_match() -> None:
    ops = [
        v for k, v in kinds("-> <- <-> == != >= <= = > < . : , ( ) [ ] * + - / % ? $ |") if k == OP
    ]
    assert ops == [
        "->",
        "<-",
        "<->",
        "==",
        "!=",
        ">=",
        "<=",
        "=",
        ">",
        "<",
        ".",
        ":",
        ",",
        "(",
        ")",
        "[",
        "]",
        "*",
        "+",
        "-",
        "/",
        "%",
        "?",
        "$",
        "|",
    ]


def test_unexpected_character_is_an_error_token_not_an_exception() -> None:
    toks, diags = tokenize("a @ b", "t.dsl")
    assert diags == []
    err = next(t for t in toks if t.kind == ERROR)
    assert (err.value, err.line, err.col) == ("@", 1, 3)


def test_unterminated_string_is_reported_at_the_quote() -> None:
    toks, diags = tokenize('x = "abc\ny = 1\n', "t.dsl")
    assert [(d.code, d.line, d.col) for d in diags] == [("E002", 1, 5)]
    assert any(t.value == "y" for t in toks)  # lexing resumed on the next line


def test_inconsistent_dedent_is_reported() -> None:
    _, diags = tokenize("a:\n    b\n  c\n", "t.dsl")
    assert [(d.code, d.line, d.col) for d in diags] == [("E003", 3, 3)]


def test_crlf_and_bom_are_accepted() -> None:
    toks, diags = tokenize("\ufeffa:\r\n  b\r\n", "t.dsl")
    assert diags == []
    assert [t.kind for t in toks] == [NAME, OP, NEWLINE, INDENT, NAME, NEWLINE, DEDENT, EOF]


def test_unicode_identifiers_and_positions() -> None:
    toks, _ = tokenize("entity Café:\n  名前: str(10)\n", "t.dsl")
    name = next(t for t in toks if t.value == "名前")
    assert (name.line, name.col) == (2, 3)
