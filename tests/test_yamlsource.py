"""Tests for coachbook.core.yaml_reader: YAML read the way a careful person expects."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coachbook.core.yaml_reader import MAX_DEPTH, MAX_FILE_BYTES, Position, dotted, load_yaml, parse_yaml
from coachbook.errors import Problem, ProblemList

SHOWN = Path("engagements/ana-lima.yml")
SAMPLE = Path(__file__).resolve().parents[1] / "engagements" / "dana-whitfield.yml"


def only_problem(exc: pytest.ExceptionInfo[ProblemList]) -> Problem:
    problems = exc.value.problems
    assert len(problems) == 1, problems
    return problems[0]


def as_tuple(problem: Problem) -> tuple[Path, int, int, str, str, str]:
    return (problem.path, problem.line, problem.column, problem.field, problem.message, problem.hint)


# --------------------------------------------------------------------------- scalar resolution


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # YAML 1.1 booleans stay text.
        ("NO", "NO"),
        ("no", "no"),
        ("yes", "yes"),
        ("Yes", "Yes"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        # YAML 1.1 sexagesimal numbers stay text.
        ("12:30", "12:30"),
        ("1:2:3", "1:2:3"),
        # YAML 1.1 timestamps stay text, checked later by the model.
        ("2026-03-18", "2026-03-18"),
        ("2026-03-18 09:30:00", "2026-03-18 09:30:00"),
        # Only decimal numbers are numbers: hex, octal, underscores and .inf stay text.
        ("0x1F", "0x1F"),
        ("0o17", "0o17"),
        ("1_000", "1_000"),
        (".inf", ".inf"),
        (".nan", ".nan"),
        # The YAML 1.2 core schema, as documented.
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("False", False),
        ("FALSE", False),
        ("tRUE", "tRUE"),
        ("~", None),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("nULL", "nULL"),
        ("", None),
        ("0", 0),
        ("42", 42),
        ("+5", 5),
        ("-7", -7),
        ("017", 17),
        ("3.5", 3.5),
        ("-3.5", -3.5),
        ("3.", 3.0),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("1.5e-3", 0.0015),
        # Quoted and block scalars are always text.
        ('"5"', "5"),
        ("'true'", "true"),
        ('"null"', "null"),
        ("'12:30'", "12:30"),
        ("plain words here", "plain words here"),
    ],
)
def test_plain_scalars_resolve_by_the_yaml_12_core_schema_only(source: str, expected: object) -> None:
    value = parse_yaml(f"key: {source}\n", SHOWN).data["key"]
    assert value == expected
    assert type(value) is type(expected)


def test_block_scalar_is_text_even_when_it_reads_true() -> None:
    assert parse_yaml("key: |\n  true\n", SHOWN).data == {"key": "true\n"}


def test_keys_are_always_text() -> None:
    data = parse_yaml("1: one\ntrue: yes\nnull: nothing\n", SHOWN).data
    assert data == {"1": "one", "true": "yes", "null": "nothing"}


def test_flow_collections_and_nesting_convert_to_plain_python() -> None:
    data = parse_yaml("a: [1, x, 2.5, ~]\nb: {c: false}\nc: []\nd: {}\n", SHOWN).data
    assert data == {"a": [1, "x", 2.5, None], "b": {"c": False}, "c": [], "d": {}}


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_document_is_an_empty_mapping(text: str) -> None:
    assert parse_yaml(text, SHOWN).data == {}


def test_bare_document_marker_is_a_null_document() -> None:
    # Unlike an empty file, `---` alone holds one null node; the model then says it is not a mapping.
    assert parse_yaml("---\n", SHOWN).data is None


def test_explicit_document_markers_are_allowed_for_a_single_document() -> None:
    assert parse_yaml("---\na: 1\n...\n", SHOWN).data == {"a": 1}


def test_top_level_sequence_is_returned_as_a_list() -> None:
    assert parse_yaml("- 1\n- two\n", SHOWN).data == [1, "two"]


# --------------------------------------------------------------------------- refused constructs


def test_duplicate_key_names_both_lines() -> None:
    text = "client:\n  name: Ana\n  role: CTO\n  name: Bea\n"
    with pytest.raises(ProblemList) as exc:
        parse_yaml(text, SHOWN)
    assert as_tuple(only_problem(exc)) == (
        SHOWN,
        4,
        3,
        "client.name",
        "duplicate key 'name' (first written on line 2)",
        "keep one of them; YAML would silently use the last",
    )


def test_every_duplicate_key_in_a_file_is_reported() -> None:
    text = "a: 1\nb: 2\na: 3\nb: 4\n"
    with pytest.raises(ProblemList) as exc:
        parse_yaml(text, SHOWN)
    assert [(p.line, p.field, p.message) for p in exc.value.problems] == [
        (3, "a", "duplicate key 'a' (first written on line 1)"),
        (4, "b", "duplicate key 'b' (first written on line 2)"),
    ]


def test_alias_is_refused_at_the_alias() -> None:
    with pytest.raises(ProblemList) as exc:
        parse_yaml("a: &x 1\nb: *x\n", SHOWN)
    assert as_tuple(only_problem(exc)) == (
        SHOWN,
        2,
        4,
        "",
        "YAML syntax error: anchors and aliases (*name) are not supported",
        "write the repeated values out in full",
    )


def test_undefined_alias_is_refused_with_the_same_message() -> None:
    with pytest.raises(ProblemList, match=r"anchors and aliases \(\*name\) are not supported"):
        parse_yaml("a: *nowhere\n", SHOWN)


def billion_laughs() -> str:
    lines = ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        refs = ", ".join([f"*lol{level - 1}"] * 9)
        lines.append(f"lol{level}: &lol{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_alias_bomb_is_refused_before_expansion() -> None:
    bomb = billion_laughs()
    assert bomb.count("*lol") == 81  # 9**10 "lol"s if it were ever expanded
    with pytest.raises(ProblemList) as exc:
        parse_yaml(bomb, SHOWN)
    problem = only_problem(exc)
    assert (problem.line, problem.column) == (2, 14)  # the first `*lol0`
    assert problem.message == "YAML syntax error: anchors and aliases (*name) are not supported"


def test_merge_key_is_refused() -> None:
    with pytest.raises(ProblemList) as exc:
        parse_yaml("base:\n  <<: {a: 1}\n", SHOWN)
    assert as_tuple(only_problem(exc)) == (
        SHOWN,
        2,
        3,
        "base",
        "merge keys (<<) are not supported",
        "write the keys out",
    )


@pytest.mark.parametrize(
    ("source", "tag"),
    [
        ("!!python/object:os.system echo", "tag:yaml.org,2002:python/object:os.system"),
        ("!!python/object/apply:os.system [echo]", "tag:yaml.org,2002:python/object/apply:os.system"),
        ("!custom value", "!custom"),
        ("!!int 3", "tag:yaml.org,2002:int"),
        ("!!binary aGk=", "tag:yaml.org,2002:binary"),
        ("!!set {a}", "tag:yaml.org,2002:set"),
        ("!!timestamp 2026-03-18", "tag:yaml.org,2002:timestamp"),
        ("!custom [1, 2]", "!custom"),
    ],
)
def test_explicit_tags_are_refused(source: str, tag: str) -> None:
    with pytest.raises(ProblemList) as exc:
        parse_yaml(f"note:\n  body: {source}\n", SHOWN)
    assert as_tuple(only_problem(exc)) == (
        SHOWN,
        2,
        9,
        "note.body",
        f"explicit YAML tag {tag!r} is not allowed",
        "remove the `!tag`; write plain values and quote text",
    )


def test_explicit_str_tag_is_refused_not_read_as_a_number() -> None:
    with pytest.raises(ProblemList) as exc:
        parse_yaml("a: !!str 3\n", SHOWN)
    problem = only_problem(exc)
    assert (problem.line, problem.column, problem.field) == (1, 4, "a")
    assert problem.message == "explicit YAML tag 'tag:yaml.org,2002:str' is not allowed"


def test_complex_key_is_refused() -> None:
    with pytest.raises(ProblemList) as exc:
        parse_yaml("? [1, 2]\n: x\n", SHOWN)
    assert as_tuple(only_problem(exc)) == (SHOWN, 1, 3, "", "keys must be plain words", "write `name: value`")


def test_multi_document_file_is_refused() -> None:
    with pytest.raises(ProblemList) as exc:
        parse_yaml("a: 1\n---\nb: 2\n", SHOWN)
    problem = only_problem(exc)
    assert (problem.path, problem.line, problem.column, problem.field) == (SHOWN, 2, 1, "")
    assert problem.message == "YAML syntax error: but found another document"


def test_nesting_up_to_the_limit_is_accepted() -> None:
    depth = MAX_DEPTH  # root mapping is depth 0, so `a:` plus MAX_DEPTH lists reaches MAX_DEPTH exactly
    data = parse_yaml("a: " + "[" * depth + "]" * depth + "\n", SHOWN).data
    inner = data["a"]
    for _ in range(depth - 1):
        inner = inner[0]
    assert inner == []


def test_nesting_beyond_the_limit_is_refused() -> None:
    depth = MAX_DEPTH + 1
    with pytest.raises(ProblemList) as exc:
        parse_yaml("a: " + "[" * depth + "]" * depth + "\n", SHOWN)
    problem = only_problem(exc)
    assert problem.message == "is nested too deeply"
    assert problem.hint == "flatten the structure"
    assert problem.field == "a" + "[0]" * MAX_DEPTH
    assert (problem.line, problem.column) == (1, 4 + MAX_DEPTH)


def test_pathological_nesting_is_a_problem_not_a_crash() -> None:
    depth = 5000
    with pytest.raises(ProblemList, match="nested too deeply"):
        parse_yaml("a: " + "[" * depth + "]" * depth + "\n", SHOWN)


# --------------------------------------------------------------------------- syntax errors


@pytest.mark.parametrize(
    ("text", "line", "column", "message", "hint"),
    [
        (
            "focus: Plan: next steps\n",
            1,
            12,
            "YAML syntax error: mapping values are not allowed here",
            "a value containing ': ' must be quoted",
        ),
        (
            "client:\n  name: Ana\n  email: @ana\n",
            3,
            10,
            "YAML syntax error: found character '@' that cannot start any token",
            "quote values that start with @ or `",
        ),
        (
            "focus: `code`\n",
            1,
            8,
            "YAML syntax error: found character '`' that cannot start any token",
            "quote values that start with @ or `",
        ),
        (
            "values: [a, b\n",
            2,
            1,
            "YAML syntax error: expected ',' or ']', but got '<stream end>'",
            "check indentation and quoting around this line",
        ),
        (
            "a:\n  b: 1\n c: 2\n",
            3,
            2,
            "YAML syntax error: expected <block end>, but found '<block mapping start>'",
            "check indentation and quoting around this line",
        ),
    ],
)
def test_syntax_error_gives_line_column_and_hint(text: str, line: int, column: int, message: str, hint: str) -> None:
    with pytest.raises(ProblemList) as exc:
        parse_yaml(text, SHOWN)
    assert as_tuple(only_problem(exc)) == (SHOWN, line, column, "", message, hint)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("client:\n\tname: Ana\n", 2),
        ("client:\n  name: Ana\n\trole: CTO\n", 3),
    ],
)
def test_tab_indentation_is_located(text: str, line: int) -> None:
    with pytest.raises(ProblemList) as exc:
        parse_yaml(text, SHOWN)
    problem = only_problem(exc)
    assert (problem.line, problem.column) == (line, 1)
    assert problem.message.startswith("YAML syntax error: found character")


def test_tab_indentation_gets_the_tab_hint() -> None:
    # PyYAML spells the tab as the escape '\\t' in its message; the hint must still be about tabs.
    with pytest.raises(ProblemList) as exc:
        parse_yaml("client:\n\tname: Ana\n", SHOWN)
    assert only_problem(exc).hint == "indent with spaces, never tabs"


def test_tab_inside_quoted_text_is_fine() -> None:
    assert parse_yaml('a: "x\ty"\n', SHOWN).data == {"a": "x\ty"}


# --------------------------------------------------------------------------- files


def test_load_yaml_reads_a_file_and_names_it_by_display_path(tmp_path: Path) -> None:
    path = tmp_path / "ana.yml"
    path.write_text("a: 1\n", encoding="utf-8")
    doc = load_yaml(path, display_path=SHOWN)
    assert doc.data == {"a": 1}
    assert doc.path == SHOWN


def test_load_yaml_names_the_real_path_without_display_path(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("a: 1\na: 2\n", encoding="utf-8")
    with pytest.raises(ProblemList) as exc:
        load_yaml(path)
    assert only_problem(exc).path == path


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yml"
    path.write_bytes(b"\xef\xbb\xbfname: Jos\xc3\xa9\n")
    assert load_yaml(path).data == {"name": "Jos\u00e9"}


def test_non_utf8_bytes_are_refused_with_the_offset(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yml"
    path.write_bytes(b"name: Jos\xe9\n")
    with pytest.raises(ProblemList) as exc:
        load_yaml(path, display_path=SHOWN)
    assert as_tuple(only_problem(exc)) == (SHOWN, 1, 1, "", "is not UTF-8 text (byte 9)", "save the file as UTF-8")


def test_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yml"
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(ProblemList) as exc:
        load_yaml(path, display_path=SHOWN)
    assert as_tuple(only_problem(exc)) == (
        SHOWN,
        1,
        1,
        "",
        "is 1,000,001 bytes, over the 1,000,000-byte limit",
        "split it up or remove pasted content; engagement files are a few kilobytes",
    )


def test_file_exactly_at_the_size_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "full.yml"
    head = b"a: 1\n"
    path.write_bytes(head + b"#" * (MAX_FILE_BYTES - len(head)))
    assert path.stat().st_size == MAX_FILE_BYTES
    assert load_yaml(path).data == {"a": 1}


def test_symlink_is_refused_even_to_a_valid_file(tmp_path: Path) -> None:
    real = tmp_path / "real.yml"
    real.write_text("a: 1\n", encoding="utf-8")
    link = tmp_path / "link.yml"
    try:
        os.symlink(real, link)
    except OSError:  # pragma: no cover - platforms without symlinks
        pytest.skip("symlinks are not available")
    with pytest.raises(ProblemList) as exc:
        load_yaml(link, display_path=SHOWN)
    assert as_tuple(only_problem(exc)) == (SHOWN, 1, 1, "", "is a symbolic link", "replace the link with the real file")


def test_missing_file_is_a_problem(tmp_path: Path) -> None:
    with pytest.raises(ProblemList) as exc:
        load_yaml(tmp_path / "nope.yml", display_path=SHOWN)
    assert as_tuple(only_problem(exc)) == (
        SHOWN,
        1,
        1,
        "",
        "cannot be read: No such file or directory",
        "check the path",
    )


# --------------------------------------------------------------------------- positions

POSITIONS = """\
client:
  name: Ana Lima
goals:
  - id: first
    target: 5
  - id: second
    measurements:
      - date: "2026-03-01"
        value: 3
"""


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        ((), Position(1, 1)),
        (("client",), Position(2, 3)),
        (("client", "name"), Position(2, 9)),
        (("goals",), Position(4, 3)),
        (("goals", 0), Position(4, 5)),
        (("goals", 0, "id"), Position(4, 9)),
        (("goals", 0, "target"), Position(5, 13)),
        (("goals", 1, "measurements", 0), Position(8, 9)),
        (("goals", 1, "measurements", 0, "date"), Position(8, 15)),
        (("goals", 1, "measurements", 0, "value"), Position(9, 16)),
        # Unknown locations fall back to the nearest known parent.
        (("goals", 1, "missing"), Position(6, 5)),
        (("goals", 7), Position(4, 3)),
        (("nowhere", "at", "all"), Position(1, 1)),
    ],
)
def test_position_of_values(loc: tuple[str | int, ...], expected: Position) -> None:
    assert parse_yaml(POSITIONS, SHOWN).position(loc) == expected


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        (("client",), Position(1, 1)),
        (("goals", 0, "target"), Position(5, 5)),
        (("goals", 1, "measurements", 0, "value"), Position(9, 9)),
        # Sequence items have no key: fall back to the value position.
        (("goals", 0), Position(4, 5)),
    ],
)
def test_key_position(loc: tuple[str | int, ...], expected: Position) -> None:
    assert parse_yaml(POSITIONS, SHOWN).key_position(loc) == expected


def test_position_in_an_empty_document_is_the_start() -> None:
    assert parse_yaml("", SHOWN).position(("anything",)) == Position(1, 1)


def test_position_in_the_sample_engagement(tmp_path: Path) -> None:
    doc = load_yaml(SAMPLE, display_path=Path("engagements/dana-whitfield.yml"))
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    goals_at = lines.index("goals:")
    target_at = next(i for i in range(goals_at, len(lines)) if lines[i].startswith("    target: "))
    assert doc.position(("goals", 0, "target")) == Position(target_at + 1, len("    target: ") + 1)
    assert doc.key_position(("goals", 0, "target")) == Position(target_at + 1, 5)
    assert lines[target_at][len("    target: ") :] == str(doc.data["goals"][0]["target"])


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        ((), ""),
        (("client",), "client"),
        (("client", "name"), "client.name"),
        (("goals", 0, "target"), "goals[0].target"),
        (("goals", 1, "measurements", 12, "value"), "goals[1].measurements[12].value"),
        (("stages", "goal-setting", "status"), "stages.goal-setting.status"),
        ((0,), "[0]"),
        ((0, "a"), "[0].a"),
    ],
)
def test_dotted_renders_field_paths(loc: tuple[str | int, ...], expected: str) -> None:
    assert dotted(loc) == expected
