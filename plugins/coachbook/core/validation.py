"""Turn a parsed file into a model, or into problems that point at the right line.

Pydantic knows *what* is wrong and *where in the data*; the YAML document
knows where in the *file* that is. This module joins the two, words each
problem plainly (never pydantic's "Input should be ...") and adds the hint a
coach needs: the spelling we expected, the allowed values, the date format.
The rules that span fields (`coachbook.core.rules`) run in the same pass, so
one run of `coachbook check` says everything that is wrong with a file.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from coachbook.core.model import Engagement
from coachbook.core.rules import Finding, did_you_mean, engagement_findings
from coachbook.core.yaml_reader import Loc, YamlDocument, dotted
from coachbook.errors import Problem, ProblemList

__all__ = [
    "did_you_mean",
    "field_problems",
    "finding_problems",
    "merge_problems",
    "problem_at",
    "validate_document",
]

M = TypeVar("M", bound=BaseModel)

#: The rules each kind of file is held to beyond its fields (`coachbook.core.rules`).
DOCUMENT_RULES: dict[type[BaseModel], Callable[[Any], list[Finding]]] = {Engagement: engagement_findings}


def validate_document(doc: YamlDocument, model: type[M]) -> M:
    """Validate a parsed document against `model` and the rules that span its fields.

    Raises:
        ProblemList: Every problem found, each with a position and a hint (warnings are not problems here).
    """
    value, problems = field_problems(doc, model)
    rules = DOCUMENT_RULES.get(model)
    if rules is not None and isinstance(doc.data, dict):
        errors = [p for p in finding_problems(doc, rules(doc.data)) if not p.warning]
        problems = merge_problems(problems, errors)
    if problems or value is None:
        raise ProblemList(problems)
    return value


def field_problems(doc: YamlDocument, model: type[M]) -> tuple[M | None, list[Problem]]:
    """Check every field of a parsed document: the model, or None and one problem per field that is wrong."""
    if not isinstance(doc.data, dict):
        return None, [
            Problem(doc.path, 1, 1, "", "must be a mapping of `key: value` lines", "see the example in the README")
        ]
    try:
        return model.model_validate(doc.data), []
    except ValidationError as exc:
        return None, [_to_problem(doc, model, err) for err in exc.errors(include_url=False)]


def finding_problems(doc: YamlDocument, findings: Iterable[Finding]) -> list[Problem]:
    """Findings of the rules as problems at their place in the file."""
    return [problem_at(doc, f.loc, f.message, f.hint, at_key=f.at_key, warning=f.warning) for f in findings]


def merge_problems(fields: list[Problem], rules: list[Problem]) -> list[Problem]:
    """Both lists, but one problem per field: where a rule speaks about a field, its words replace the field check's.

    A rule knows more than the field's type: `program: Team` is "unknown program 'Team'" with "did you mean
    'team'?", where the field check could only say it is not an id.
    """
    said = {p.field for p in rules if p.field and not p.warning}
    return [p for p in fields if p.field not in said] + rules


def problem_at(
    doc: YamlDocument, loc: Loc, message: str, hint: str = "", *, at_key: bool = False, warning: bool = False
) -> Problem:
    """A problem at a data location of `doc`, for checks that pydantic cannot make alone."""
    pos = doc.key_position(loc) if at_key else doc.position(loc)
    return Problem(doc.path, pos.line, pos.column, dotted(loc), message, hint, warning)


def _to_problem(doc: YamlDocument, model: type[BaseModel], err: Any) -> Problem:
    loc: Loc = tuple(part for part in err["loc"] if part != "[key]")
    kind: str = err["type"]
    message: str = err["msg"]
    value = err.get("input")
    context: dict[str, Any] = err.get("ctx") or {}
    hint = ""
    at_key = False
    if kind == "extra_forbidden":
        at_key = True
        allowed = _fields_of(model, loc[:-1])
        message = f"unknown field {loc[-1]!r}"
        hint = did_you_mean(str(loc[-1]), allowed) if allowed else "remove it"
    elif kind == "missing":
        message = "is required but missing"
        hint = f"add `{loc[-1]}:` here" if loc else ""
        # A missing field has no position of its own: point at its parent mapping.
        pos = doc.position(loc[:-1])
        return Problem(doc.path, pos.line, pos.column, dotted(loc), message, hint)
    elif kind in ("iso_date",):
        hint = "write dates as YYYY-MM-DD, for example 2026-03-18"
    elif kind == "clock_time":
        hint = 'write times in quotes as HH:MM, for example "09:30"'
    elif kind in ("bool_type", "bool_parsing"):
        message = f"expected true or false, got {value!r}"
        hint = "write true or false (yes/no/on/off are not accepted)"
    elif kind == "string_type":
        message = f"expected text, got {value!r}"
        hint = f'put the value in quotes: "{value}"' if isinstance(value, (int, float)) else "write plain text"
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        message = f"expected a whole number, got {_shown(value)}"
        hint = "write a whole number such as 12"
    elif kind in ("float_type", "float_parsing", "number_type"):
        message = f"expected a number, got {_shown(value)}"
        hint = "write a plain number such as 42 or 3.5, without units or quotes"
    elif kind == "finite_number":
        message = "expected an ordinary number, got one too large to write down"
        hint = "write a plain number such as 42 or 3.5, without units or quotes"
    elif kind == "enum":
        allowed = context.get("expected", "")
        message = f"{value!r} is not allowed"
        hint = did_you_mean(str(value), _enum_values(model, loc)) or f"expected {allowed}"
    elif kind == "string_pattern_mismatch" and tuple(loc[-2:]) == ("site", "id"):
        message = f"{value!r} is not an unguessable site id"
        hint = "run `coachbook site-id SLUG` to make one (20 to 64 letters a-z and digits 2-7)"
    elif kind == "string_pattern_mismatch" and loc[-1:] == ("handbook",):
        message = f"{value!r} is not a git tag, branch or commit"
        hint = "write a tag such as v2026.1; `git tag` lists the firm's tags"
    elif kind == "string_pattern_mismatch" and loc[-1:] == ("email",):
        message = f"{value!r} is not an email address"
        hint = "write it as name@example.com"
    elif kind == "string_pattern_mismatch":
        message = f"{value!r} is not a valid id"
        hint = "use lower-case words joined by hyphens, such as `delegate-more`"
    elif kind == "string_too_short":
        message = "must not be empty"
        hint = "write a value, or remove the line if the field is optional"
    elif kind == "string_too_long":
        message = f"is {len(str(value))} characters long; the most is {context.get('max_length')}"
        hint = "shorten it"
    elif kind == "list_type":
        message = f"expected a list, got {_shown(value)}"
        hint = "write a list, one `- item` per line"
    elif kind == "too_short":
        message = "must list at least one item" if context.get("min_length") == 1 else message
        hint = "write a list, one `- item` per line"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        message = f"expected a mapping of `key: value` lines, got {type(value).__name__}"
        hint = "indent the fields under this key"
    elif kind in ("bidi_control", "invisible_character"):
        hint = "delete it: retype the value rather than pasting it from a word processor, a PDF or a chat"
    elif kind == "value_error":
        message = message.removeprefix("Value error, ")
    elif kind in ("greater_than", "greater_than_equal"):
        limit = _whole(context.get("gt", context.get("ge")))
        if limit == 0:
            message = f"must be above zero, got {_shown(value)}"
        else:
            message = f"must be {'more than' if kind == 'greater_than' else 'at least'} {limit}, got {_shown(value)}"
        hint = "use a number above zero" if limit == 0 else f"use a number of at least {limit}"
    elif kind in ("less_than", "less_than_equal"):
        # The bounds in `coachbook.core.fields`: far beyond any real value, so one above them is a typo.
        limit = _whole(context.get("lt", context.get("le")))
        message = f"must be at most {_shown(limit)}, got {_shown(value)}"
        hint = f"use a number of at most {_shown(limit)}; larger values are typing mistakes"
    else:
        # A kind not worded above still reads as a sentence about the field, never as pydantic's "Input should".
        message = message.replace("Input should be", "should be")
    return problem_at(doc, loc, message, hint, at_key=at_key)


def _whole(limit: Any) -> Any:
    """A bound as it was written: pydantic gives a float field's bound as a float (1e+09 for 1,000,000,000)."""
    return int(limit) if isinstance(limit, float) and limit.is_integer() else limit


def _shown(value: Any) -> str:
    """A value as a coach wrote it: numbers and words as they are, lists and mappings by what they are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping of `key: value` lines"
    return "nothing" if value is None else type(value).__name__


def _unwrap(annotation: Any) -> list[Any]:
    """Every concrete type inside Optional/Union/Annotated/list/dict, in order."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _resolve(model: type[BaseModel], loc: Loc) -> Any:
    """The annotation found by following `loc` through the model's fields."""
    current: Any = model
    for part in loc:
        candidates = _unwrap(current)
        nxt = None
        for candidate in candidates:
            origin = typing.get_origin(candidate)
            if isinstance(part, int) and origin is list:
                nxt = typing.get_args(candidate)[0]
            elif isinstance(part, str) and origin is dict:
                nxt = typing.get_args(candidate)[1]
            elif isinstance(part, str) and isinstance(candidate, type) and issubclass(candidate, BaseModel):
                info = candidate.model_fields.get(part)
                if info is not None:
                    nxt = info.annotation
            if nxt is not None:
                break
        if nxt is None:
            return None
        current = nxt
    return current


def _fields_of(model: type[BaseModel], loc: Loc) -> list[str]:
    for candidate in _unwrap(_resolve(model, loc)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return list(candidate.model_fields)
    return []


def _enum_values(model: type[BaseModel], loc: Loc) -> list[str]:
    for candidate in _unwrap(_resolve(model, loc)):
        if isinstance(candidate, type) and issubclass(candidate, Enum):
            return [str(member.value) for member in candidate]
    return []
