"""JSON Schema for editors, generated from the pydantic models (never written by hand)."""

from __future__ import annotations

import json
from pathlib import Path

from .models import CharterFile, OrganisationFile

SCHEMA_FILES = {
    "charter.schema.json": (CharterFile, "Team charter"),
    "organization.schema.json": (OrganisationFile, "Organisation file"),
}


def schema_text(model: type, title: str) -> str:
    schema = model.model_json_schema(by_alias=True, mode="validation")
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title, **schema}
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_schemas(output_dir: Path) -> list[Path]:
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (model, title) in SCHEMA_FILES.items():
        path = output_dir / name
        path.write_text(schema_text(model, title), encoding="utf-8")
        written.append(path)
    return written
