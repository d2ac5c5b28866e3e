"""Turn a parsed file into a model, or into problems that point at the right line.

Pydantic knows *what* is wrong and *where in the data*; the YAML document
knows where in the *file* that is. This module joins the two and adds the hint
a coach needs: the spelling we expected, the allowed values, the date format.
"""

from __future__ import annotations

import difflib
import types
import typing
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from coachbook.core.yaml_reader import Loc, YamlDocument, dotted
from coachbook.errors import Problem, ProblemList

M = TypeVar("M", bound=BaseModel)


def validate_document(doc: YamlDocument, model: type[M]) -> M:
    """Validate a parsed document against `model`.

    Raises:
        ProblemList: One problem per pydantic error, each with a position and a hint.
    """
    if not isinstance(doc.data, dict):
        raise ProblemList(
            [Problem(doc.path, 1, 1, "", "must be a mapping of `key: value` lines", "see the example in the README")]
        )
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        raise ProblemList([_to_problem(doc, model, err) for err in exc.errors(include_url=False)]) from None


def problem_at(doc: YamlDocument, loc: Loc, message: str, hint: str = "", *, at_key: bool = False) -> Problem:
    """A problem at a data location of `doc`, for checks that pydantic cannot make alone."""
    pos = doc.key_position(loc) if at_key else doc.position(loc)
    return Problem(doc.path, pos.line, pos.column, dotted(loc), message, hint)


def did_you_mean(word: str, choices: typing.Iterable[str]) -> str:
    """A hint naming the closest valid spelling, or listing the choices."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    if len(options) <= 12:
        return "expected one of: " + ", ".join(options)
    return ""


def _to_problem(doc: YamlDocument, model: type[BaseModel], err: Any) -> Problem:
    loc: Loc = tuple(part for part in err["loc"] if part != "[key]")
    kind: str = err["type"]
    message: str = err["msg"]
    value = err.get("input")
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
        hint = "write a whole number such as 12"
    elif kind in ("float_type", "float_parsing", "number_type", "finite_number"):
        hint = "write a plain number such as 42 or 3.5, without units or quotes"
    elif kind == "enum":
        allowed = err.get("ctx", {}).get("expected", "")
        message = f"{value!r} is not allowed"
        hint = did_you_mean(str(value), _enum_values(model, loc)) or f"expected {allowed}"
    elif kind == "string_pattern_mismatch" and tuple(loc[-2:]) == ("site", "id"):
        message = f"{value!r} is not an unguessable site id"
        hint = "run `coachbook site-id SLUG` to make one (20 to 64 letters a-z and digits 2-7)"
    elif kind == "string_pattern_mismatch":
        message = f"{value!r} is not a valid id"
        hint = "use lower-case words joined by hyphens, such as `delegate-more`"
    elif kind == "string_too_short":
        message = "must not be empty"
        hint = "write a value, or remove the line if the field is optional"
    elif kind in ("list_type", "too_short"):
        hint = "write a list, one `- item` per line"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        message = f"expected a mapping of `key: value` lines, got {type(value).__name__}"
        hint = "indent the fields under this key"
    elif kind in ("bidi_control", "invisible_character"):
        hint = "delete it: retype the value rather than pasting it from a word processor, a PDF or a chat"
    elif kind == "value_error":
        message = message.removeprefix("Value error, ")
    elif kind == "greater_than":
        hint = "use a number above zero"
    return problem_at(doc, loc, message, hint, at_key=at_key)


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
