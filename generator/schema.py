"""JSON Schema for editors, generated from the pydantic models (never written by hand)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .models import CharterFile, OrganisationFile

SCHEMA_FILES = {
    "charter.schema.json": (CharterFile, "Team charter"),
    "organization.schema.json": (OrganisationFile, "Organisation file"),
}


def schema_text(model: type, title: str) -> str:
    schema = _close_id_keyed_mappings(model.model_json_schema(by_alias=True, mode="validation"))
    # The title goes last: pydantic's own title is the class name, which means nothing to users.
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema, "title": title}
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _close_id_keyed_mappings(node: Any) -> Any:
    """Make mappings keyed by ids (calendars) refuse keys that are not ids.

    pydantic turns `dict[Id, X]` into `patternProperties` but leaves other keys allowed and
    drops the pattern from `propertyNames`, so an editor would accept `../lisbon:` silently.
    """
    if isinstance(node, list):
        return [_close_id_keyed_mappings(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _close_id_keyed_mappings(value) for key, value in node.items()}
    patterns = node.get("patternProperties")
    if isinstance(patterns, dict) and "additionalProperties" not in node:
        node["additionalProperties"] = False
        if len(patterns) == 1:
            node["propertyNames"] = {
                **node.get("propertyNames", {}),
                "pattern": next(iter(patterns)),
            }
    return node


def write_schemas(output_dir: Path) -> list[Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (model, title) in SCHEMA_FILES.items():
        path = output_dir / name
        path.write_text(schema_text(model, title), encoding="utf-8")
        written.append(path)
    return written
