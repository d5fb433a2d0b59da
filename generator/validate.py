"""Step 3: check a loaded file against its pydantic model and explain every problem in place."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .durations import EXAMPLES
from .findings import Finding, Severity
from .source import PathKey, SourceFile

Model = TypeVar("Model", bound=BaseModel)

ID_HINT = "ids use lowercase letters, digits and single hyphens, e.g. 'it-service-desk'"

# pydantic error type -> (finding code, hint). Messages are written per type below.
_CUSTOM: dict[str, tuple[str, str]] = {
    "bad_id": ("bad-id", ID_HINT),
    "bad_duration": ("bad-duration", f"write a duration such as {EXAMPLES}"),
    "bad_target": ("bad-target", "write the share of requests as a percentage, e.g. '95%'"),
    "bad_url": ("bad-url", "links must start with https://, http:// or mailto:"),
    "bad_email": ("bad-email", "write an address such as 'payroll@example.org'"),
    "bad_service_ref": (
        "bad-reference",
        "name the service as team-id/service-id, e.g. 'it-service-desk/laptops'",
    ),
    "bad_date": ("bad-date", "write the date as YYYY-MM-DD, e.g. 2026-03-01"),
    "unknown_timezone": (
        "unknown-timezone",
        "use an IANA time zone name such as 'Europe/London' or 'America/New_York'",
    ),
    "bad_days": ("bad-days", "write working days as 'Mon-Fri' or 'Mon,Tue,Thu'"),
    "bad_hours": ("bad-hours", "write working hours as 'HH:MM-HH:MM', e.g. '09:00-17:30'"),
}

_TYPE_NAMES = {
    "string_type": "text",
    "int_type": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_parsing": "a whole number",
    "float_parsing": "a number",
    "list_type": "a list",
    "dict_type": "a mapping of fields",
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
    "date_type": "a date (YYYY-MM-DD)",
}

# pydantic reads numbers as seconds since 1970 and reports these in its own words; to a
# charter's writer each of them is simply not a date.
_DATE_ERRORS = frozenset(
    {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"}
)

_TYPE_HINTS = {
    "text": "put the value in quotes if YAML reads it as a number, date or yes/no",
    "a list": "write each item on its own line starting with '- '",
    "a mapping of fields": "write 'field: value' pairs indented under this key",
    "true or false": "write true or false",
    "a date (YYYY-MM-DD)": "write the date as YYYY-MM-DD, e.g. 2026-03-01",
}


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{str(value).lower()}' (yes/no)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"'{_shorten(value)}'"
    return f"'{_shorten(str(value))}' ({type(value).__name__})"


def _shorten(text: str, limit: int = 60) -> str:
    # A whole pasted paragraph in a message would bury the message itself.
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Optional/Union/Annotated/list/dict annotations."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _model_at(model: type[BaseModel], loc: PathKey) -> type[BaseModel] | None:
    """Follow an error location through the model classes to the model that holds it."""
    current: Any = model
    key_next = False  # after a dict field (calendars) comes a key the user chose, not a field
    for part in loc:
        if isinstance(part, int) or part == "[key]" or key_next:
            key_next = False
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = _field_by_alias(current, str(part))
        if field is None:
            return None
        nxt: Any = None
        for candidate in _unwrap(field.annotation):
            origin = typing.get_origin(candidate)
            args = typing.get_args(candidate)
            if origin in (list, tuple) and args:
                candidate = _unwrap(args[0])[0]
            elif origin is dict and args:
                candidate = _unwrap(args[1])[0]
                key_next = True
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                nxt = candidate
        current = nxt if nxt is not None else field.annotation
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _field_by_alias(model: type[BaseModel], name: str) -> Any:
    for field_name, field in model.model_fields.items():
        if (field.alias or field_name) == name:
            return field
    return None


def field_names(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _dotted(loc: PathKey) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part != "[key]":
            text += f".{part}" if text else str(part)
    return text or "the file"


def validate(source: SourceFile, model: type[Model]) -> tuple[Model | None, list[Finding]]:
    """Validate `source.data` against `model`; every problem becomes a located finding."""
    try:
        return model.model_validate(source.data), []
    except ValidationError as error:
        findings = [_finding(source, model, item) for item in error.errors(include_url=False)]
        return None, findings


def _finding(source: SourceFile, root: type[BaseModel], error: Any) -> Finding:
    loc: PathKey = tuple(error["loc"])
    kind: str = error["type"]
    value = error.get("input")
    where = _dotted(loc)

    def make(code: str, message: str, hint: str, *, at_key: bool = False) -> Finding:
        line, col = source.position(loc, key=at_key)
        return Finding(Severity.ERROR, code, source.path, line, col, message, hint)

    if kind == "extra_forbidden":
        key = str(loc[-1])
        parent = _model_at(root, loc[:-1])
        allowed = field_names(parent) if parent else []
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"allowed fields: {', '.join(allowed)}"
        place = f" in {_dotted(loc[:-1])}" if loc[:-1] else ""
        return make("unknown-key", f"unknown field '{key}'{place}", hint, at_key=True)
    if kind == "missing":
        name = str(loc[-1])
        parent_loc = loc[:-1]
        place = f" in {_dotted(parent_loc)}" if parent_loc else ""
        parent = _model_at(root, parent_loc)
        field = _field_by_alias(parent, name) if parent else None
        hint = f"add '{name}:'" + (f" ({field.description})" if field and field.description else "")
        line, col = source.position(parent_loc)
        return Finding(
            Severity.ERROR,
            "missing-field",
            source.path,
            line,
            col,
            f"missing required field '{name}'{place}",
            hint,
        )
    if kind in _CUSTOM:
        code, hint = _CUSTOM[kind]
        if loc[-1:] == ("[key]",):
            # A mapping key (a calendar id): loc is (..., key, "[key]"); name the mapping.
            return make(code, f"{_dotted(loc[:-2])}: {error['msg']}", hint, at_key=True)
        return make(code, f"{where}: {error['msg']}", hint)
    if kind in _DATE_ERRORS:
        code, hint = _CUSTOM["bad_date"]
        return make(code, f"{where}: '{value}' is not a date in YYYY-MM-DD form", hint)
    if kind in _TYPE_NAMES:
        expected = _TYPE_NAMES[kind]
        if not loc:
            return make(
                "wrong-type",
                f"the file must be {expected}, not {_describe(value)}",
                "start with the fields, e.g. 'team: payroll'; see the example in the README",
            )
        return make(
            "wrong-type",
            f"{where} must be {expected}, not {_describe(value)}",
            _TYPE_HINTS.get(expected, "see the format in the README"),
        )
    if kind == "too_short":
        return make("empty-value", f"{where} must not be empty", "give at least one item or text")
    if kind == "string_too_short":
        return make("empty-value", f"{where} must not be empty", "write the text in")
    return make("invalid-value", f"{where}: {error['msg']}", "see the format in the README")
