"""`charters schema`: JSON Schema for editors, generated from the pydantic models.

An editor with the YAML language server checks charters against these files while they are
typed, so the schema must accept every real charter and flag the mistakes `charters check`
flags that a schema can express: unknown keys, bad ids, bad durations, unsafe links.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from generator.cli import main
from generator.models import CharterFile, OrganisationFile
from generator.source import load_yaml
from generator.validate import field_names

REPO = Path(__file__).parent.parent
CLEAN = Path(__file__).parent / "fixtures" / "check" / "clean"
SCHEMA_NAMES = ["charter.schema.json", "organization.schema.json"]


def _write(folder: Path) -> list[str]:
    result = CliRunner().invoke(
        main, ["schema", "--output", str(folder)], prog_name="charters", catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    folder = tmp_path_factory.mktemp("schema")
    _write(folder)
    return {
        "charter": json.loads((folder / "charter.schema.json").read_text("utf-8")),
        "organization": json.loads((folder / "organization.schema.json").read_text("utf-8")),
    }


def _plain(value: Any) -> Any:
    """YAML as the YAML language server sees it (YAML 1.2: an unquoted date is text)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _data(path: Path) -> Any:
    source, findings = load_yaml(path, path.name)
    assert source is not None, [f.to_text() for f in findings]
    return _plain(source.data)


def _problems(schema: dict[str, Any], data: Any) -> list[tuple[str, list[str | int], str]]:
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return sorted(
        (error.validator, list(error.absolute_path), error.message)
        for error in validator.iter_errors(data)
    )


def test_schema_command_writes_both_files(tmp_path: Path) -> None:
    out = tmp_path / "editor" / "schema"
    assert _write(out) == [f"wrote {out / name}" for name in SCHEMA_NAMES]
    assert sorted(p.name for p in out.iterdir()) == sorted(SCHEMA_NAMES)
    for name, title in zip(SCHEMA_NAMES, ["Team charter", "Organisation file"], strict=True):
        schema = json.loads((out / name).read_text("utf-8"))
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["title"] == title
        assert schema["additionalProperties"] is False


def test_schema_default_folder_and_same_bytes_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["schema"], prog_name="charters", catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.splitlines() == [f"wrote {Path('schema') / name}" for name in SCHEMA_NAMES]
    first = {name: (tmp_path / "schema" / name).read_bytes() for name in SCHEMA_NAMES}
    _write(tmp_path / "again")
    assert first == {name: (tmp_path / "again" / name).read_bytes() for name in SCHEMA_NAMES}


@pytest.mark.parametrize(
    ("kind", "model"), [("charter", CharterFile), ("organization", OrganisationFile)]
)
def test_schema_follows_the_models(
    schemas: dict[str, dict[str, Any]], kind: str, model: type
) -> None:
    """Generated from the models: every field by the name people write, same required set."""
    schema = schemas[kind]
    assert sorted(schema["properties"]) == sorted(field_names(model))
    required = [
        field.alias or name for name, field in model.model_fields.items() if field.is_required()
    ]
    assert sorted(schema["required"]) == sorted(required)


def _sample_files() -> list[Path]:
    files = sorted((REPO / "charters").glob("*.yaml")) + sorted(CLEAN.glob("*.yaml"))
    return [path for path in files if path.name != "organization.yaml"]


@pytest.mark.parametrize("path", _sample_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sample_charters_match_the_schema(schemas: dict[str, dict[str, Any]], path: Path) -> None:
    assert _problems(schemas["charter"], _data(path)) == []


@pytest.mark.parametrize(
    "path",
    [REPO / "charters" / "organization.yaml", CLEAN / "organization.yaml"],
    ids=["sample", "clean-fixture"],
)
def test_organisation_files_match_the_schema(
    schemas: dict[str, dict[str, Any]], path: Path
) -> None:
    assert _problems(schemas["organization"], _data(path)) == []


def test_schema_is_checked_against_the_sample_teams() -> None:
    # The sample organisation (12 teams or more) is what the schema is checked against above.
    assert len([p for p in _sample_files() if p.parent.name == "charters"]) >= 12


def _edited(path: Path, old: str, new: str) -> Any:
    text = path.read_text("utf-8")
    assert text.count(old) == 1, old
    return _plain(yaml.safe_load(text.replace(old, new)))


ONBOARDING = CLEAN / "onboarding.yaml"
ORGANISATION = CLEAN / "organization.yaml"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "lead:",
            "leed:",
            [
                (
                    "additionalProperties",
                    [],
                    "Additional properties are not allowed ('leed' was unexpected)",
                ),
                ("required", [], "'lead' is a required property"),
            ],
            id="unknown-key",
        ),
        pytest.param(
            "    summary:",
            "    sumary:",
            [
                (
                    "additionalProperties",
                    ["services", 0],
                    "Additional properties are not allowed ('sumary' was unexpected)",
                ),
                ("required", ["services", 0], "'summary' is a required property"),
            ],
            id="unknown-key-in-service",
        ),
        pytest.param(
            "        for: a laptop",
            "        four: a laptop",
            [
                (
                    "additionalProperties",
                    ["services", 0, "depends_on", 0],
                    "Additional properties are not allowed ('four' was unexpected)",
                ),
                ("required", ["services", 0, "depends_on", 0], "'for' is a required property"),
            ],
            id="unknown-key-in-dependency",
        ),
        pytest.param(
            "team: onboarding",
            "team: ../onboarding",
            [
                (
                    "pattern",
                    ["team"],
                    "'../onboarding' does not match '^[a-z0-9]+(?:-[a-z0-9]+)*$'",
                )
            ],
            id="bad-id-team",
        ),
        pytest.param(
            "  - id: starters",
            "  - id: New Starters",
            [
                (
                    "pattern",
                    ["services", 0, "id"],
                    "'New Starters' does not match '^[a-z0-9]+(?:-[a-z0-9]+)*$'",
                )
            ],
            id="bad-id-service",
        ),
        pytest.param(
            "[clinics, it-service-desk]",
            "[clinics, ../it-service-desk]",
            [
                (
                    "pattern",
                    ["services", 0, "customers", 1],
                    "'../it-service-desk' does not match '^[a-z0-9]+(?:-[a-z0-9]+)*$'",
                )
            ],
            id="bad-id-customer",
        ),
        pytest.param(
            "service: it-service-desk/laptops",
            "service: ../it-service-desk/laptops",
            [
                (
                    "pattern",
                    ["services", 0, "depends_on", 0, "service"],
                    "'../it-service-desk/laptops' does not match '^[a-z0-9-]+/[a-z0-9-]+$'",
                )
            ],
            id="bad-reference",
        ),
        pytest.param(
            "resolution: 1 week",
            "resolution: soon",
            [
                (
                    "anyOf",
                    ["services", 0, "resolution"],
                    "'soon' is not valid under any of the given schemas",
                )
            ],
            id="bad-duration",
        ),
        pytest.param(
            "url: https://example.org/onboarding",
            "url: javascript:alert(1)",
            [
                (
                    "anyOf",
                    ["contact", "url"],
                    "'javascript:alert(1)' is not valid under any of the given schemas",
                )
            ],
            id="bad-url",
        ),
        pytest.param(
            "reviewed: 2026-02-01",
            'reviewed: "2026-13-01"',
            [("format", ["reviewed"], "'2026-13-01' is not a 'date'")],
            id="bad-date",
        ),
    ],
)
def test_charter_schema_rejects(
    schemas: dict[str, dict[str, Any]], old: str, new: str, expected: list[tuple]
) -> None:
    assert _problems(schemas["charter"], _edited(ONBOARDING, old, new)) == expected


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "  lisbon:",
            "  ../lisbon:",
            [
                (
                    "additionalProperties",
                    ["calendars"],
                    "'../lisbon' does not match any of the regexes: '^[a-z0-9]+(?:-[a-z0-9]+)*$'",
                ),
                (
                    "pattern",
                    ["calendars"],
                    "'../lisbon' does not match '^[a-z0-9]+(?:-[a-z0-9]+)*$'",
                ),
            ],
            id="bad-calendar-id",
        ),
        pytest.param(
            "  - id: technology",
            "  - id: Technology",
            [
                (
                    "pattern",
                    ["groups", 1, "id"],
                    "'Technology' does not match '^[a-z0-9]+(?:-[a-z0-9]+)*$'",
                )
            ],
            id="bad-group-id",
        ),
        pytest.param(
            "    timezone: Europe/Lisbon",
            "    timezone: Europe/Lisbon\n    tz: x",
            [
                (
                    "additionalProperties",
                    ["calendars", "lisbon"],
                    "Additional properties are not allowed ('tz' was unexpected)",
                )
            ],
            id="unknown-key-in-calendar",
        ),
        pytest.param(
            "mission:",
            "misson:",
            [
                (
                    "additionalProperties",
                    [],
                    "Additional properties are not allowed ('misson' was unexpected)",
                ),
                ("required", [], "'mission' is a required property"),
            ],
            id="unknown-key",
        ),
    ],
)
def test_organisation_schema_rejects(
    schemas: dict[str, dict[str, Any]], old: str, new: str, expected: list[tuple]
) -> None:
    assert _problems(schemas["organization"], _edited(ORGANISATION, old, new)) == expected


def test_committed_schema_is_up_to_date() -> None:
    """Editors read schema/ straight after a clone, so the committed files must match the
    models; regenerate them with `charters schema` when the format changes."""
    from generator.schema import SCHEMA_FILES, schema_text

    root = Path(__file__).resolve().parent.parent
    for name, (model, title) in SCHEMA_FILES.items():
        committed = (root / "schema" / name).read_text(encoding="utf-8")
        assert committed == schema_text(model, title), (
            f"schema/{name} is stale: run `charters schema`"
        )
