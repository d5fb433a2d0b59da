"""Charter checking (issue 2): every finding the loader, validator, resolver and pipeline emit.

Each case starts from the clean fixture organisation (tests/fixtures/check/clean), breaks one
thing, runs the whole pipeline and asserts the exact errors: code, file, line, column,
message and hint. Analyses (other modules) may add warnings and notes; the cases here assert
every *error* of the run, so a second, unexpected error fails the test.
"""

from __future__ import annotations

import ast
import inspect
import pathlib
import re
import shutil
import time
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from generator.findings import Finding, Severity
from generator.pipeline import CheckResult, load_charters
from generator.source import SourceFile, load_yaml
from generator.validate import validate

FIXTURES = Path(__file__).parent / "fixtures" / "check"
CLEAN = FIXTURES / "clean"
BAD_INPUT = FIXTURES / "bad-input"
GENERATOR = Path(__file__).parent.parent / "generator"

ID_HINT = "ids use lowercase letters, digits and single hyphens, e.g. 'it-service-desk'"
DURATION_HINT = (
    "write a duration such as 30 minutes, 4 hours, 2 business days, 4 business hours, "
    "1 week, 6 months, 4bh, 2bd"
)
TAB_HINT = "YAML does not allow tabs for indentation; indent with spaces"
ALIAS_MESSAGE = "YAML anchors and aliases (&name, *name) are not allowed in charters"
ALIAS_HINT = "write the value out in full; charters are read by people, not only machines"
FILE_HINT = "start with the fields, e.g. 'team: payroll'; see the example in the README"
EMPTY_HINT = "start from the example in the README, or run `charters new TEAM`"

# (code, file, line, column, message, hint): what a reader sees, minus the severity.
Row = tuple[str, str, int, int, str, str]
# file name -> new full text (str or bytes), None to delete it, or [(old, new), ...] edits.
Edits = dict[str, "str | bytes | None | list[tuple[str, str]]"]


def make_charters(tmp_path: Path, edits: Edits | None = None) -> Path:
    """A copy of the clean fixture in tmp_path/charters with `edits` applied."""
    folder = tmp_path / "charters"
    shutil.copytree(CLEAN, folder)
    for name, change in (edits or {}).items():
        path = folder / name
        if change is None:
            path.unlink()
        elif isinstance(change, bytes):
            path.write_bytes(change)
        elif isinstance(change, str):
            path.write_text(change, encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
            for old, new in change:
                assert text.count(old) == 1, f"{old!r} must occur once in {name}"
                text = text.replace(old, new)
            path.write_text(text, encoding="utf-8")
    return folder


def run(folder: Path) -> CheckResult:
    return load_charters(folder, root=folder.parent)


def rows(findings: list[Finding], severity: Severity | None = Severity.ERROR) -> list[Row]:
    return [
        (f.code, f.file, f.line, f.column, f.message, f.hint)
        for f in findings
        if severity is None or f.severity is severity
    ]


def errors(result: CheckResult) -> list[Row]:
    return rows(result.findings)


# --- the clean fixture ----------------------------------------------------------------------


def test_clean_fixture_has_no_errors_and_every_team_resolves() -> None:
    result = run(CLEAN)
    assert errors(result) == []
    assert result.ok
    assert result.files == [
        "clean/organization.yaml",
        "clean/it-service-desk.yaml",
        "clean/onboarding.yaml",
    ]
    org = result.organisation
    assert org is not None
    assert sorted(org.teams) == ["it-service-desk", "onboarding"]
    assert sorted(org.services) == [
        "it-service-desk/accounts",
        "it-service-desk/laptops",
        "onboarding/starters",
    ]
    starters = org.services["onboarding/starters"]
    assert [(d.provider.key, d.blocking) for d in starters.depends_on] == [
        ("it-service-desk/laptops", True)
    ]
    assert [c.kind for c in starters.customers] == ["segment", "team"]
    assert org.teams["onboarding"].calendar.id == "lisbon"


# --- one case per finding: the exact errors of the whole run -------------------------------

ONB = "charters/onboarding.yaml"
ITS = "charters/it-service-desk.yaml"
ORG = "charters/organization.yaml"
NEW = "charters/payroll.yaml"

CASES = [
    # ---- loader (generator/source.py)
    pytest.param(
        {"payroll.yaml": "team: payroll\nname: [Payroll, Pay\nlead: x\n"},
        [
            (
                "yaml-syntax",
                NEW,
                3,
                5,
                "YAML syntax error: did not find expected ',' or ']'",
                "check indentation and quoting around this place",
            )
        ],
        id="yaml-syntax",
    ),
    pytest.param(
        {"payroll.yaml": "team: payroll\ncontact:\n\temail: pay@example.org\n"},
        [
            (
                "yaml-syntax",
                NEW,
                3,
                1,
                "YAML syntax error: a tab character is used for indentation",
                TAB_HINT,
            )
        ],
        id="yaml-syntax-tab-indent",
    ),
    pytest.param(
        {"payroll.yaml": "team: payroll\nservices:\n  - id: a\n  -\tid: b\n"},
        [
            (
                "yaml-syntax",
                NEW,
                4,
                4,
                "YAML syntax error: a tab character is used for indentation",
                TAB_HINT,
            )
        ],
        id="yaml-syntax-tab-after-dash",
    ),
    pytest.param(
        {"payroll.yaml": "team: payroll\n---\nteam: payroll-two\n"},
        [
            (
                "yaml-syntax",
                NEW,
                2,
                1,
                "YAML syntax error: file holds more than one YAML document",
                "remove the '---' separators",
            )
        ],
        id="yaml-syntax-two-documents",
    ),
    pytest.param(
        {"payroll.yaml": "team: payroll\nname: Pay\x07roll\n"},
        [
            (
                "yaml-syntax",
                NEW,
                2,
                10,
                "character U+0007 is not allowed in YAML (control characters are not allowed)",
                "delete it; it is often pasted in by accident and invisible in most editors",
            )
        ],
        id="yaml-syntax-control-character",
    ),
    pytest.param(
        # 'é' is two bytes: the column must count characters, not bytes.
        {"payroll.yaml": "team: payroll\nname: Café\x01\n"},
        [
            (
                "yaml-syntax",
                NEW,
                2,
                11,
                "character U+0001 is not allowed in YAML (control characters are not allowed)",
                "delete it; it is often pasted in by accident and invisible in most editors",
            )
        ],
        id="yaml-syntax-control-character-after-utf8",
    ),
    pytest.param(
        {"payroll.yaml": "team: &id payroll\nname: *id\n"},
        [("yaml-alias", NEW, 2, 7, ALIAS_MESSAGE, ALIAS_HINT)],
        id="yaml-alias",
    ),
    pytest.param(
        {"payroll.yaml": "team: payroll\ncontact:\n  <<: {email: pay@example.org}\n"},
        [
            (
                "yaml-alias",
                NEW,
                3,
                3,
                "YAML merge keys (<<) are not allowed in charters",
                "write the keys out in full",
            )
        ],
        id="yaml-alias-merge-key",
    ),
    pytest.param(
        {"payroll.yaml": "team: !!python/object/apply:os.getcwd []\n"},
        [
            (
                "yaml-tag",
                NEW,
                1,
                7,
                "YAML tag 'tag:yaml.org,2002:python/object/apply:os.getcwd' is not allowed in "
                "charters",
                "remove the '!' tag; charters hold only plain text, numbers, lists and mappings",
            )
        ],
        id="yaml-tag-python",
    ),
    pytest.param(
        {"payroll.yaml": "team: payroll\nreviewed: !!binary aGVsbG8=\n"},
        [
            (
                "yaml-tag",
                NEW,
                2,
                11,
                "YAML tag 'tag:yaml.org,2002:binary' is not allowed in charters",
                "remove the '!' tag; charters hold only plain text, numbers, lists and mappings",
            )
        ],
        id="yaml-tag-binary",
    ),
    pytest.param(
        {"onboarding.yaml": [("lead: Grace Hopper\n", "lead: Grace Hopper\nname: Again\n")]},
        [
            (
                "duplicate-key",
                ONB,
                6,
                1,
                "'name' appears twice in the same mapping (first on line 2)",
                "keep one of them; YAML would silently use only the last",
            )
        ],
        id="duplicate-key",
    ),
    pytest.param(
        {"payroll.yaml": "team: payroll\n? [a, b]\n: c\n"},
        [
            (
                "wrong-type",
                NEW,
                2,
                3,
                "a key must be a plain word",
                "keys are field names such as 'name' or 'services'",
            )
        ],
        id="wrong-type-key-not-a-word",
    ),
    pytest.param(
        {"payroll.yaml": b"team: payroll\nname: Caf\xe9\n"},
        [
            (
                "not-utf8",
                NEW,
                2,
                10,
                "byte 0xe9 is not valid UTF-8",
                "save the file as UTF-8 (most editors offer it under 'Save with encoding')",
            )
        ],
        id="not-utf8",
    ),
    pytest.param(
        {"payroll.yaml": ""},
        [("empty-file", NEW, 1, 1, "file is empty", EMPTY_HINT)],
        id="empty-file",
    ),
    pytest.param(
        {"payroll.yaml": "\ufeff  \n# a comment\n\n   # another\n"},
        [("empty-file", NEW, 1, 1, "file is empty", EMPTY_HINT)],
        id="empty-file-only-comments-and-bom",
    ),
    pytest.param(
        {"payroll.yaml": "# started, not written\n---\n"},
        [("empty-file", NEW, 1, 1, "file holds no fields", EMPTY_HINT)],
        id="empty-file-lone-document-marker",
    ),
    # ---- validation (generator/validate.py)
    pytest.param(
        {"onboarding.yaml": [("lead:", "leed:")]},
        [
            ("missing-field", ONB, 1, 1, "missing required field 'lead'", "add 'lead:'"),
            ("unknown-key", ONB, 5, 1, "unknown field 'leed'", "did you mean 'lead'?"),
        ],
        id="unknown-key-did-you-mean",
    ),
    pytest.param(
        {"onboarding.yaml": [("    summary:", "    sumary:")]},
        [
            (
                "missing-field",
                ONB,
                12,
                5,
                "missing required field 'summary' in services[0]",
                "add 'summary:'",
            ),
            (
                "unknown-key",
                ONB,
                14,
                5,
                "unknown field 'sumary' in services[0]",
                "did you mean 'summary'?",
            ),
        ],
        id="unknown-key-in-service",
    ),
    pytest.param(
        # `for` is an alias of the model field `purpose`: the hint must use what people write.
        {"onboarding.yaml": [("        for: a laptop", "        four: a laptop")]},
        [
            (
                "missing-field",
                ONB,
                20,
                9,
                "missing required field 'for' in services[0].depends_on[0]",
                "add 'for:' (what the service needs it for)",
            ),
            (
                "unknown-key",
                ONB,
                21,
                9,
                "unknown field 'four' in services[0].depends_on[0]",
                "did you mean 'for'?",
            ),
        ],
        id="unknown-key-alias-field",
    ),
    pytest.param(
        {"onboarding.yaml": [("lead: Grace Hopper\n", "lead: Grace Hopper\nxyzzy: 1\n")]},
        [
            (
                "unknown-key",
                ONB,
                6,
                1,
                "unknown field 'xyzzy'",
                "allowed fields: team, name, group, purpose, lead, contact, hours, owners, "
                "reviewed, feedback, services",
            )
        ],
        id="unknown-key-no-near-miss",
    ),
    pytest.param(
        {
            "organization.yaml": [
                ("    timezone: Europe/Lisbon", "    timezone: Europe/Lisbon\n    tz: x")
            ]
        },
        [
            (
                "unknown-key",
                ORG,
                31,
                5,
                "unknown field 'tz' in calendars.lisbon",
                "allowed fields: timezone, days, hours, holidays",
            )
        ],
        id="unknown-key-in-calendar",
    ),
    pytest.param(
        {"onboarding.yaml": [("lead: Grace Hopper\n", "")]},
        [("missing-field", ONB, 1, 1, "missing required field 'lead'", "add 'lead:'")],
        id="missing-field",
    ),
    pytest.param(
        {"onboarding.yaml": [("    request: Email us the start date.\n", "")]},
        [
            (
                "missing-field",
                ONB,
                12,
                5,
                "missing required field 'request' in services[0]",
                "add 'request:' (how to ask for this service, in plain words)",
            )
        ],
        id="missing-field-in-service",
    ),
    pytest.param(
        {
            "onboarding.yaml": [
                ("contact:\n  url: https://example.org/onboarding", "contact: [a, b]")
            ]
        },
        [
            (
                "wrong-type",
                ONB,
                6,
                10,
                "contact must be a mapping of fields, not a list",
                "write 'field: value' pairs indented under this key",
            )
        ],
        id="wrong-type-list-for-mapping",
    ),
    pytest.param(
        {"payroll.yaml": "- team: payroll\n  name: Payroll\n"},
        [("wrong-type", NEW, 1, 1, "the file must be a mapping of fields, not a list", FILE_HINT)],
        id="wrong-type-whole-file-a-list",
    ),
    pytest.param(
        {"payroll.yaml": "just some words\n"},
        [
            (
                "wrong-type",
                NEW,
                1,
                1,
                "the file must be a mapping of fields, not 'just some words'",
                FILE_HINT,
            )
        ],
        id="wrong-type-whole-file-text",
    ),
    pytest.param(
        {
            "onboarding.yaml": [
                ("contact:\n  url: https://example.org/onboarding", "contact: " + "call us " * 40)
            ]
        },
        [
            (
                "wrong-type",
                ONB,
                6,
                10,
                # 59 characters of the value and an ellipsis
                "contact must be a mapping of fields, not '" + "call us " * 7 + "cal…'",
                "write 'field: value' pairs indented under this key",
            )
        ],
        id="wrong-type-long-text-shortened",
    ),
    pytest.param(
        {"onboarding.yaml": [("hours: lisbon", "hours: 5")]},
        [
            (
                "wrong-type",
                ONB,
                8,
                8,
                "hours must be text, not '5' (int)",
                "put the value in quotes if YAML reads it as a number, date or yes/no",
            )
        ],
        id="wrong-type-number-for-text",
    ),
    pytest.param(
        {"onboarding.yaml": [("hours: lisbon", "hours: lisbon\nowners: {a: b}")]},
        [
            (
                "wrong-type",
                ONB,
                9,
                9,
                "owners must be a list, not a mapping",
                "write each item on its own line starting with '- '",
            )
        ],
        id="wrong-type-mapping-for-list",
    ),
    pytest.param(
        {
            "onboarding.yaml": [
                ("for: a laptop on day one", "for: a laptop on day one\n        blocking: maybe")
            ]
        },
        [
            (
                "wrong-type",
                ONB,
                22,
                19,
                "services[0].depends_on[0].blocking must be true or false, not 'maybe'",
                "write true or false",
            )
        ],
        id="wrong-type-bool",
    ),
    pytest.param(
        {"onboarding.yaml": [("reviewed: 2026-02-01", "reviewed: yes")]},
        [
            (
                "wrong-type",
                ONB,
                9,
                11,
                "reviewed must be a date (YYYY-MM-DD), not 'true' (yes/no)",
                "write the date as YYYY-MM-DD, e.g. 2026-03-01",
            )
        ],
        id="wrong-type-yes-for-date",
    ),
    pytest.param(
        {"onboarding.yaml": [("reviewed: 2026-02-01", "reviewed: 0")]},
        [
            (
                "bad-date",
                ONB,
                9,
                11,
                "reviewed: '0' is not a date in YYYY-MM-DD form",
                "write the date as YYYY-MM-DD, e.g. 2026-03-01",
            )
        ],
        id="bad-date-number",
    ),
    pytest.param(
        {"onboarding.yaml": [("purpose: We get new clinics live.", 'purpose: ""')]},
        [("empty-value", ONB, 4, 10, "purpose must not be empty", "write the text in")],
        id="empty-value-text",
    ),
    pytest.param(
        {
            "onboarding.yaml": [
                ("customers: [clinics, it-service-desk]", "customers: []"),
            ]
        },
        [
            (
                "empty-value",
                ONB,
                15,
                16,
                "services[0].customers must not be empty",
                "give at least one item or text",
            )
        ],
        id="empty-value-list",
    ),
    pytest.param(
        {"onboarding.yaml": [("  - id: starters", "  - id: Starters")]},
        [("bad-id", ONB, 12, 9, "services[0].id: 'Starters' is not a valid id", ID_HINT)],
        id="bad-id-capitals",
    ),
    pytest.param(
        {"onboarding.yaml": [("resolution: 1 week", "resolution: soon")]},
        [
            (
                "bad-duration",
                ONB,
                17,
                17,
                "services[0].resolution: 'soon' is not a duration",
                DURATION_HINT,
            )
        ],
        id="bad-duration",
    ),
    pytest.param(
        {"onboarding.yaml": [("resolution: 1 week", "resolution: 3 fortnights")]},
        [
            (
                "bad-duration",
                ONB,
                17,
                17,
                "services[0].resolution: '3 fortnights' has an unknown unit 'fortnights'",
                DURATION_HINT,
            )
        ],
        id="bad-duration-unit",
    ),
    pytest.param(
        {"onboarding.yaml": [("resolution: 1 week", "resolution: 2 buisness days")]},
        [
            (
                "bad-duration",
                ONB,
                17,
                17,
                "services[0].resolution: '2 buisness days' has an unknown unit 'buisness days'"
                " (did you mean 'business days'?)",
                DURATION_HINT,
            )
        ],
        id="bad-duration-unit-typo",
    ),
    pytest.param(
        {"onboarding.yaml": [("resolution: 1 week", "resolution: 4")]},
        [("bad-duration", ONB, 17, 17, "services[0].resolution: '4' has no unit", DURATION_HINT)],
        id="bad-duration-no-unit",
    ),
    pytest.param(
        {"organization.yaml": [("review_every: 6 months", "review_every: 0 months")]},
        [
            (
                "bad-duration",
                ORG,
                34,
                17,
                "standards.review_every: '0 months' must be longer than zero",
                DURATION_HINT,
            )
        ],
        id="bad-duration-zero",
    ),
    pytest.param(
        {"onboarding.yaml": [("resolution: 1 week", "resolution: 1 week\n    target: 150%")]},
        [
            (
                "bad-target",
                ONB,
                18,
                13,
                "services[0].target: '150%' is not a share of requests",
                "write the share of requests as a percentage, e.g. '95%'",
            )
        ],
        id="bad-target",
    ),
    pytest.param(
        {"onboarding.yaml": [("url: https://example.org/onboarding", "url: javascript:alert(1)")]},
        [
            (
                "bad-url",
                ONB,
                7,
                8,
                "contact.url: 'javascript:alert(1)' is not an http, https or mailto link",
                "links must start with https://, http:// or mailto:",
            )
        ],
        id="bad-url-javascript",
    ),
    pytest.param(
        {
            "onboarding.yaml": [
                ("feedback: mailto:onboarding@example.org", 'feedback: "https://x.org/a b"')
            ]
        },
        [
            (
                "bad-url",
                ONB,
                10,
                11,
                "feedback: 'https://x.org/a b' contains spaces or quotes",
                "links must start with https://, http:// or mailto:",
            )
        ],
        id="bad-url-space",
    ),
    pytest.param(
        {
            "onboarding.yaml": [
                ("url: https://example.org/onboarding", "email: onboarding.example.org")
            ]
        },
        [
            (
                "bad-email",
                ONB,
                7,
                10,
                "contact.email: 'onboarding.example.org' is not an email address",
                "write an address such as 'payroll@example.org'",
            )
        ],
        id="bad-email",
    ),
    pytest.param(
        {"onboarding.yaml": [("service: it-service-desk/laptops", "service: laptops")]},
        [
            (
                "bad-reference",
                ONB,
                20,
                18,
                "services[0].depends_on[0].service: 'laptops' is not a team-id/service-id "
                "reference",
                "name the service as team-id/service-id, e.g. 'it-service-desk/laptops'",
            )
        ],
        id="bad-reference",
    ),
    pytest.param(
        {"onboarding.yaml": [("reviewed: 2026-02-01", "reviewed: 2026-13-01")]},
        [
            (
                "bad-date",
                ONB,
                9,
                11,
                "reviewed: '2026-13-01' is not a date in YYYY-MM-DD form",
                "write the date as YYYY-MM-DD, e.g. 2026-03-01",
            )
        ],
        id="bad-date",
    ),
    pytest.param(
        # A number is read as seconds since 1970 by pydantic; say "not a date", not that.
        {"onboarding.yaml": [("reviewed: 2026-02-01", "reviewed: 20260201")]},
        [
            (
                "bad-date",
                ONB,
                9,
                11,
                "reviewed: '20260201' is not a date in YYYY-MM-DD form",
                "write the date as YYYY-MM-DD, e.g. 2026-03-01",
            )
        ],
        id="bad-date-number",
    ),
    pytest.param(
        {"organization.yaml": [("      - 2026-12-25", "      - 25/12/2026")]},
        [
            (
                "bad-date",
                ORG,
                28,
                9,
                "calendars.default.holidays[0]: '25/12/2026' is not a date in YYYY-MM-DD form",
                "write the date as YYYY-MM-DD, e.g. 2026-03-01",
            )
        ],
        id="bad-date-holiday",
    ),
    pytest.param(
        {"organization.yaml": [("timezone: Europe/Lisbon", "timezone: Europe/Lisbn")]},
        [
            (
                "unknown-timezone",
                ORG,
                30,
                15,
                "calendars.lisbon.timezone: 'Europe/Lisbn' is not an IANA time zone",
                "use an IANA time zone name such as 'Europe/London' or 'America/New_York'",
            )
        ],
        id="unknown-timezone",
    ),
    pytest.param(
        {"organization.yaml": [("days: Mon,Tue,Wed,Thu,Fri", "days: weekdays")]},
        [
            (
                "bad-days",
                ORG,
                31,
                11,
                "calendars.lisbon.days: 'weekdays' is not a list of days such as 'Mon-Fri'",
                "write working days as 'Mon-Fri' or 'Mon,Tue,Thu'",
            )
        ],
        id="bad-days",
    ),
    pytest.param(
        {"organization.yaml": [("days: Mon-Fri", "days: Fri-Mon")]},
        [
            (
                "bad-days",
                ORG,
                25,
                11,
                "calendars.default.days: 'Fri-Mon' runs backwards; write e.g. 'Mon-Fri'",
                "write working days as 'Mon-Fri' or 'Mon,Tue,Thu'",
            )
        ],
        id="bad-days-backwards",
    ),
    pytest.param(
        {"organization.yaml": [('hours: "09:00-18:00"', 'hours: "18:00-09:00"')]},
        [
            (
                "bad-hours",
                ORG,
                32,
                12,
                "calendars.lisbon.hours: '18:00-09:00' must end after it starts, on the same day",
                "write working hours as 'HH:MM-HH:MM', e.g. '09:00-17:30'",
            )
        ],
        id="bad-hours-backwards",
    ),
    pytest.param(
        {"organization.yaml": [('hours: "09:00-18:00"', "hours: 9 to 5")]},
        [
            (
                "bad-hours",
                ORG,
                32,
                12,
                "calendars.lisbon.hours: '9 to 5' is not a span of hours such as '09:00-17:30'",
                "write working hours as 'HH:MM-HH:MM', e.g. '09:00-17:30'",
            )
        ],
        id="bad-hours",
    ),
    pytest.param(
        {"organization.yaml": [("  lisbon:", "  Lisbon:")]},
        [("bad-id", ORG, 29, 3, "calendars: 'Lisbon' is not a valid id", ID_HINT)],
        id="bad-id-calendar-key",
    ),
    # ---- resolution (generator/resolve.py)
    pytest.param(
        {"organization.yaml": [("  - id: safe-data", "  - id: fast-onboarding")]},
        [
            (
                "unknown-goal",
                ITS,
                31,
                13,
                "no goal 'safe-data'",
                "goals are: fast-onboarding",
            ),
            (
                "duplicate-id",
                ORG,
                12,
                9,
                "goal id 'fast-onboarding' is used twice",
                "give each one its own id",
            ),
        ],
        id="duplicate-id-goal",
    ),
    pytest.param(
        {
            "organization.yaml": [
                ("  - id: clinics\n    name: Clinics", "  - id: operations\n    name: Ops")
            ]
        },
        [
            (
                "unknown-customer",
                ONB,
                15,
                17,
                "no team, group or customer segment 'clinics'",
                "use a team, group or segment id, or 'everyone'",
            ),
            (
                "duplicate-id",
                ORG,
                20,
                9,
                "'operations' is both a group and a customer segment",
                "ids are shared by teams, groups and segments so a customer can be a plain id",
            ),
        ],
        id="duplicate-id-group-and-segment",
    ),
    pytest.param(
        {
            "operations.yaml": (CLEAN / "onboarding.yaml")
            .read_text()
            .replace("team: onboarding", "team: operations")
        },
        [
            (
                "duplicate-id",
                "charters/operations.yaml",
                1,
                7,
                "team id 'operations' is already a group id",
                "ids are shared by teams, groups and segments; choose another team id",
            )
        ],
        id="duplicate-id-team-and-group",
    ),
    pytest.param(
        {"organization.yaml": [("  - id: clinics", "  - id: everyone")]},
        [
            (
                "unknown-customer",
                ONB,
                15,
                17,
                "no team, group or customer segment 'clinics'",
                "use a team, group or segment id, or 'everyone'",
            ),
            (
                "reserved-id",
                ORG,
                20,
                9,
                "'everyone' is reserved for services open to the whole organisation",
                "choose another id",
            ),
        ],
        id="reserved-id-segment",
    ),
    pytest.param(
        {
            "everyone.yaml": (CLEAN / "onboarding.yaml")
            .read_text()
            .replace("team: onboarding", "team: everyone")
        },
        [
            (
                "reserved-id",
                "charters/everyone.yaml",
                1,
                7,
                "'everyone' is reserved for services open to the whole organisation",
                "ids are shared by teams, groups and segments; choose another team id",
            )
        ],
        id="reserved-id-team",
    ),
    pytest.param(
        {"organization.yaml": [("  default:", "  office:")]},
        [
            (
                "unknown-calendar",
                ITS,
                9,
                8,
                "no calendar 'default'",
                "calendars are: lisbon, office",
            ),
            (
                "missing-default-calendar",
                ORG,
                23,
                3,
                "no calendar is named 'default'",
                "add 'default:' under calendars; teams without 'hours' use it",
            ),
        ],
        id="missing-default-calendar",
    ),
    pytest.param(
        # No calendar at all: teams must still be checked (this used to raise StopIteration).
        {
            "organization.yaml": (CLEAN / "organization.yaml").read_text().split("calendars:")[0]
            + "calendars: {}\nstandards:\n  review_every: 6 months\n  response: 1 business day\n"
        },
        [
            (
                "unknown-calendar",
                ITS,
                9,
                8,
                "no calendar 'default'",
                "define calendars in organization.yaml",
            ),
            (
                "unknown-calendar",
                ONB,
                8,
                8,
                "no calendar 'lisbon'",
                "define calendars in organization.yaml",
            ),
            (
                "missing-default-calendar",
                ORG,
                22,
                12,
                "no calendar is named 'default'",
                "add 'default:' under calendars; teams without 'hours' use it",
            ),
        ],
        id="no-calendars-at-all",
    ),
    pytest.param(
        {"onboarding.yaml": [("team: onboarding", "team: onboard")]},
        # it-service-desk depends on onboarding/starters: not reported again.
        [
            (
                "team-id-mismatch",
                ONB,
                1,
                7,
                "team id 'onboard' differs from the file name 'onboarding'",
                "rename the file to 'onboard.yaml' or set 'team: onboarding'",
            )
        ],
        id="team-id-mismatch",
    ),
    pytest.param(
        {
            "onboarding.yaml": [
                (
                    "    depends_on:",
                    "  - id: starters\n    name: Again\n    summary: Twice.\n"
                    "    customers: [clinics]\n    request: Ask.\n    depends_on:",
                )
            ]
        },
        [
            (
                "duplicate-service",
                ONB,
                19,
                9,
                "service id 'starters' is used twice in this charter",
                "the first is services[0]; give each service its own id",
            )
        ],
        id="duplicate-service",
    ),
    pytest.param(
        {"onboarding.yaml": [("group: operations", "group: operation")]},
        [("unknown-group", ONB, 3, 8, "no group 'operation'", "did you mean 'operations'?")],
        id="unknown-group",
    ),
    pytest.param(
        {"onboarding.yaml": [("group: operations", "group: sales")]},
        [("unknown-group", ONB, 3, 8, "no group 'sales'", "groups are: operations, technology")],
        id="unknown-group-no-near-miss",
    ),
    pytest.param(
        {"onboarding.yaml": [("hours: lisbon", "hours: lisboa")]},
        [("unknown-calendar", ONB, 8, 8, "no calendar 'lisboa'", "did you mean 'lisbon'?")],
        id="unknown-calendar",
    ),
    pytest.param(
        {
            "onboarding.yaml": [
                ("customers: [clinics, it-service-desk]", "customers: [clinic, nobody-at-all]")
            ]
        },
        [
            (
                "unknown-customer",
                ONB,
                15,
                17,
                "no team, group or customer segment 'clinic'",
                "did you mean 'clinics'?",
            ),
            (
                "unknown-customer",
                ONB,
                15,
                25,
                "no team, group or customer segment 'nobody-at-all'",
                "use a team, group or segment id, or 'everyone'",
            ),
        ],
        id="unknown-customer",
    ),
    pytest.param(
        {"onboarding.yaml": [("goals: [fast-onboarding]", "goals: [fast-onboard]")]},
        [
            (
                "unknown-goal",
                ONB,
                18,
                13,
                "no goal 'fast-onboard'",
                "did you mean 'fast-onboarding'?",
            )
        ],
        id="unknown-goal",
    ),
    pytest.param(
        {"onboarding.yaml": [("service: it-service-desk/laptops", "service: it-desk/laptops")]},
        [("unknown-team", ONB, 20, 18, "no team 'it-desk'", "did you mean 'it-service-desk'?")],
        id="unknown-team",
    ),
    pytest.param(
        {
            "onboarding.yaml": [
                ("service: it-service-desk/laptops", "service: it-service-desk/laptop")
            ]
        },
        [
            (
                "unknown-service",
                ONB,
                20,
                18,
                "team 'it-service-desk' has no service 'laptop'",
                "did you mean 'laptops'?",
            )
        ],
        id="unknown-service",
    ),
    pytest.param(
        {
            "onboarding.yaml": [
                ("service: it-service-desk/laptops", "service: it-service-desk/printers")
            ]
        },
        [
            (
                "unknown-service",
                ONB,
                20,
                18,
                "team 'it-service-desk' has no service 'printers'",
                "its services are: accounts, laptops",
            )
        ],
        id="unknown-service-no-near-miss",
    ),
    pytest.param(
        {"onboarding.yaml": [("contact:\n  url: https://example.org/onboarding", "contact: {}")]},
        [
            (
                "missing-contact",
                ONB,
                6,
                10,
                "contact gives no way to reach the team",
                "add at least one of email, chat or url",
            )
        ],
        id="missing-contact",
    ),
    pytest.param(
        {"organization.yaml": [("  response: 1 business day\n", "")]},
        # laptops and accounts state a response; starters does not and now has no default.
        [
            (
                "missing-response",
                ONB,
                12,
                5,
                "service 'starters' states no response time and the organisation sets no default",
                "add 'response:' (e.g. '4 business hours') or a default under standards",
            )
        ],
        id="missing-response",
    ),
    # ---- the folder (generator/pipeline.py)
    pytest.param(
        {"organization.yaml": None},
        [
            (
                "missing-organisation",
                ORG,
                1,
                1,
                "no organization.yaml in charters",
                "create it: it states the mission, goals, groups and calendars",
            )
        ],
        id="missing-organisation",
    ),
    pytest.param(
        # The British spelling is not read as a team charter: one finding, not twenty.
        {"organization.yaml": None, "organisation.yaml": (CLEAN / "organization.yaml").read_text()},
        [
            (
                "missing-organisation",
                ORG,
                1,
                1,
                "no organization.yaml in charters",
                "rename organisation.yaml to organization.yaml",
            )
        ],
        id="missing-organisation-misspelt",
    ),
    pytest.param(
        {"Payroll Team.yaml": "team: payroll-team\n"},
        [
            (
                "bad-file-name",
                "charters/Payroll Team.yaml",
                1,
                1,
                "file name 'Payroll Team.yaml' is not a team id followed by .yaml",
                f"rename it, e.g. 'payroll-team.yaml'; {ID_HINT}",
            )
        ],
        id="bad-file-name",
    ),
    pytest.param(
        {"payroll.yml": "team: payroll\n"},
        [
            (
                "bad-file-name",
                "charters/payroll.yml",
                1,
                1,
                "file name 'payroll.yml' is not a team id followed by .yaml",
                f"rename it, e.g. 'payroll.yaml'; {ID_HINT}",
            )
        ],
        id="bad-file-name-yml",
    ),
]


@pytest.mark.parametrize(("edits", "expected"), CASES)
def test_finding(tmp_path: Path, edits: Edits, expected: list[Row]) -> None:
    result = run(make_charters(tmp_path, edits))
    assert errors(result) == expected
    assert not result.ok


def test_finding_text_is_what_the_command_line_prints(tmp_path: Path) -> None:
    folder = make_charters(
        tmp_path, {"onboarding.yaml": [("group: operations", "group: operation")]}
    )
    [finding] = [f for f in run(folder).findings if f.severity is Severity.ERROR]
    assert finding.to_text() == (
        "charters/onboarding.yaml:3:8: error[unknown-group]: no group 'operation'\n"
        "  hint: did you mean 'operations'?"
    )
    assert finding.team == "onboarding"


def test_invalid_value_for_an_unexpected_pydantic_error() -> None:
    """Errors no rule above explains still get a place and a hint, never a traceback."""

    class Counter(BaseModel):
        count: int = Field(gt=0)

    source = SourceFile("x.yaml", {"count": -1}, values={(): (1, 1), ("count",): (2, 8)})
    model, findings = validate(source, Counter)
    assert model is None
    assert rows(findings) == [
        (
            "invalid-value",
            "x.yaml",
            2,
            8,
            "count: Input should be greater than 0",
            "see the format in the README",
        )
    ]


def test_unreadable_file(tmp_path: Path) -> None:
    source, findings = load_yaml(tmp_path / "gone.yaml", "charters/gone.yaml")
    assert source is None
    assert rows(findings) == [
        (
            "unreadable-file",
            "charters/gone.yaml",
            1,
            1,
            "cannot read file: No such file or directory",
            "check that the file exists and is readable",
        )
    ]


def test_unreadable_file_in_a_run_does_not_stop_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Running as root ignores file modes, so make the read itself fail.
    folder = make_charters(tmp_path, {"onboarding.yaml": [("group: operations", "group: nope")]})
    real_read_bytes = pathlib.Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "it-service-desk.yaml":
            raise PermissionError(13, "Permission denied")
        return real_read_bytes(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    assert errors(run(folder)) == [
        (
            "unreadable-file",
            ITS,
            1,
            1,
            "cannot read file: Permission denied",
            "check that the file exists and is readable",
        ),
        ("unknown-group", ONB, 3, 8, "no group 'nope'", "groups are: operations, technology"),
        # onboarding depends on it-service-desk/laptops and serves it: no second finding.
    ]


def test_unknown_key_in_organisation_file(tmp_path: Path) -> None:
    folder = make_charters(tmp_path, {"organization.yaml": [("mission:", "misson:")]})
    result = run(folder)
    assert errors(result) == [
        ("missing-field", ORG, 2, 1, "missing required field 'mission'", "add 'mission:'"),
        ("unknown-key", ORG, 3, 1, "unknown field 'misson'", "did you mean 'mission'?"),
    ]
    # The organisation is unusable, but every team file was still read and validated.
    assert result.organisation is None
    assert result.files == [ORG, ITS, ONB]


# --- the bad input of issue 2 ---------------------------------------------------------------


def _write_sparse(path: Path, size: int) -> None:
    with path.open("wb") as handle:
        handle.seek(size - 1)
        handle.write(b"\n")


def test_bad_input_all_reported_in_one_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_charters(tmp_path)
    for path in BAD_INPUT.iterdir():
        shutil.copy(path, folder / path.name)
    (folder / "latin1.yaml").write_bytes("team: latin1\nname: Équipe\n".encode("latin-1"))
    _write_sparse(folder / "huge.yaml", 50 * 1024 * 1024)

    read: list[str] = []
    real_read_bytes = pathlib.Path.read_bytes

    def spy(self: Path) -> bytes:
        read.append(self.name)
        return real_read_bytes(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", spy)
    started = time.perf_counter()
    result = run(folder)
    elapsed = time.perf_counter() - started

    assert "huge.yaml" not in read, "a 50 MB file must be refused by its size, unread"
    assert elapsed < 2, f"took {elapsed:.1f}s"
    assert errors(result) == [
        (
            "bad-file-name",
            "charters/Not A Slug.yaml",
            1,
            1,
            "file name 'Not A Slug.yaml' is not a team id followed by .yaml",
            f"rename it, e.g. 'not-a-slug.yaml'; {ID_HINT}",
        ),
        (
            "wrong-type",
            "charters/a-list.yaml",
            1,
            1,
            "the file must be a mapping of fields, not a list",
            FILE_HINT,
        ),
        ("bad-id", "charters/dot-dot.yaml", 1, 7, "team: '../dot-dot' is not a valid id", ID_HINT),
        (
            "bad-id",
            "charters/dot-dot.yaml",
            3,
            8,
            "group: '../operations' is not a valid id",
            ID_HINT,
        ),
        ("bad-id", "charters/dot-dot.yaml", 8, 8, "hours: '../default' is not a valid id", ID_HINT),
        (
            "bad-id",
            "charters/dot-dot.yaml",
            12,
            9,
            "services[0].id: '../escape' is not a valid id",
            ID_HINT,
        ),
        (
            "bad-id",
            "charters/dot-dot.yaml",
            15,
            17,
            "services[0].customers[0]: '../clinics' is not a valid id",
            ID_HINT,
        ),
        (
            "bad-id",
            "charters/dot-dot.yaml",
            17,
            13,
            "services[0].goals[0]: '../safe-data' is not a valid id",
            ID_HINT,
        ),
        (
            "bad-reference",
            "charters/dot-dot.yaml",
            19,
            18,
            "services[0].depends_on[0].service: '../it-service-desk/laptops' is not a "
            "team-id/service-id reference",
            "name the service as team-id/service-id, e.g. 'it-service-desk/laptops'",
        ),
        ("empty-file", "charters/empty.yaml", 1, 1, "file is empty", EMPTY_HINT),
        (
            "file-too-large",
            "charters/huge.yaml",
            1,
            1,
            "file is 52,428,800 bytes; a charter must be under 1,000,000 bytes",
            "a charter describes one team; split it or remove pasted data",
        ),
        (
            "not-utf8",
            "charters/latin1.yaml",
            2,
            7,
            "byte 0xc9 is not valid UTF-8",
            "save the file as UTF-8 (most editors offer it under 'Save with encoding')",
        ),
        ("yaml-alias", "charters/laughs.yaml", 3, 8, ALIAS_MESSAGE, ALIAS_HINT),
        (
            "team-id-mismatch",
            "charters/mismatch.yaml",
            1,
            7,
            "team id 'other-team' differs from the file name 'mismatch'",
            "rename the file to 'other-team.yaml' or set 'team: mismatch'",
        ),
        ("empty-file", "charters/only-comments.yaml", 1, 1, "file is empty", EMPTY_HINT),
        (
            "yaml-syntax",
            "charters/tabs.yaml",
            4,
            1,
            "YAML syntax error: a tab character is used for indentation",
            TAB_HINT,
        ),
    ]
    # The good files around them were checked and resolved as usual.
    assert result.organisation is not None
    assert sorted(result.organisation.teams) == ["it-service-desk", "onboarding"]
    assert len(result.files) == 13  # the organisation, 2 good teams, 10 bad files


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        pytest.param(
            {
                "payroll.yaml": (CLEAN / "onboarding.yaml")
                .read_text()
                .replace("team: onboarding", "team: ../payroll")
            },
            ("bad-id", NEW, 1, 7, "team: '../payroll' is not a valid id", ID_HINT),
            id="team",
        ),
        pytest.param(
            {"onboarding.yaml": [("  - id: starters", "  - id: ../../etc")]},
            ("bad-id", ONB, 12, 9, "services[0].id: '../../etc' is not a valid id", ID_HINT),
            id="service-id",
        ),
        pytest.param(
            {"onboarding.yaml": [("[clinics, it-service-desk]", "[clinics, ../it-service-desk]")]},
            (
                "bad-id",
                ONB,
                15,
                26,
                "services[0].customers[1]: '../it-service-desk' is not a valid id",
                ID_HINT,
            ),
            id="customer",
        ),
        pytest.param(
            {
                "onboarding.yaml": [
                    ("service: it-service-desk/laptops", "service: it-service-desk/../x")
                ]
            },
            (
                "bad-reference",
                ONB,
                20,
                18,
                "services[0].depends_on[0].service: 'it-service-desk/../x' is not a "
                "team-id/service-id reference",
                "name the service as team-id/service-id, e.g. 'it-service-desk/laptops'",
            ),
            id="depends-on",
        ),
        pytest.param(
            {"organization.yaml": [("  lisbon:", "  ../lisbon:")]},
            ("bad-id", ORG, 29, 3, "calendars: '../lisbon' is not a valid id", ID_HINT),
            id="calendar-key",
        ),
        pytest.param(
            {"organization.yaml": [("  - id: technology", "  - id: ../technology")]},
            ("bad-id", ORG, 17, 9, "groups[1].id: '../technology' is not a valid id", ID_HINT),
            id="group",
        ),
        pytest.param(
            {"onboarding.yaml": [("hours: lisbon", "hours: ../lisbon")]},
            ("bad-id", ONB, 8, 8, "hours: '../lisbon' is not a valid id", ID_HINT),
            id="hours",
        ),
    ],
)
def test_dot_dot_in_any_id(tmp_path: Path, edits: Edits, expected: Row) -> None:
    # A second broken file in the same run must be reported too.
    edits = {**edits, "zz-tabs.yaml": "team: zz-tabs\ncontact:\n\tchat: '#x'\n"}
    found = errors(run(make_charters(tmp_path, edits)))
    assert expected in found
    assert (
        "yaml-syntax",
        "charters/zz-tabs.yaml",
        3,
        1,
        "YAML syntax error: a tab character is used for indentation",
        TAB_HINT,
    ) in found
    # Nothing else: the bad id is the one error of its file.
    assert [row for row in found if row[1] != "charters/zz-tabs.yaml"] == [expected]


def test_billion_laughs_in_a_large_file_finishes_at_once(tmp_path: Path) -> None:
    # 20 levels of 10 aliases each would be 10**20 items if expanded.
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 21):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    folder = make_charters(tmp_path, {"laughs.yaml": "team: laughs\n" + "\n".join(lines) + "\n"})
    started = time.perf_counter()
    found = errors(run(folder))
    assert time.perf_counter() - started < 1
    assert found == [("yaml-alias", "charters/laughs.yaml", 3, 10, ALIAS_MESSAGE, ALIAS_HINT)]


@pytest.mark.parametrize(
    ("text", "position"),
    [
        pytest.param("a: " + "[" * 300_000 + "]" * 300_000 + "\n", (1, 103), id="flow"),
        pytest.param("- " * 300_000 + "x\n", (1, 201), id="block"),
        pytest.param("a: " + "{b: " * 150 + "c" + "}" * 150 + "\n", (1, 400), id="flow-mapping"),
        pytest.param("a: " + "[" * 300 + "]" * 300 + "\n", (1, 103), id="flow-small-file"),
    ],
)
def test_deep_nesting_is_refused_without_crashing(
    tmp_path: Path, text: str, position: tuple[int, int]
) -> None:
    # libyaml's composer recurses in C: this used to kill the interpreter (segfault).
    folder = make_charters(tmp_path, {"deep.yaml": text})
    assert errors(run(folder)) == [
        (
            "yaml-syntax",
            "charters/deep.yaml",
            *position,
            "YAML nesting is deeper than 100 levels",
            "a charter is a few levels deep; check the brackets and '- ' markers here",
        )
    ]


# --- one run, all files, deterministic order -----------------------------------------------


def _many_broken(tmp_path: Path, order: list[str]) -> Path:
    """The same broken organisation, its files written in the given order."""
    texts: Edits = {
        "onboarding.yaml": [("group: operations", "group: operation")],
        "it-service-desk.yaml": [("target: 95%", "target: lots")],
        "organization.yaml": [("timezone: Europe/Lisbon", "timezone: Lisbon")],
        "payroll.yaml": "team: payroll\nname: a\nname: b\n",
        "zeta.yaml": "- a list\n",
    }
    folder = tmp_path / "charters"
    folder.mkdir(parents=True)
    staged = make_charters(tmp_path / "stage", texts)
    for name in order:
        shutil.copy(staged / name, folder / name)
    return folder


def test_all_findings_of_all_files_sorted(tmp_path: Path) -> None:
    names = [
        "organization.yaml",
        "it-service-desk.yaml",
        "onboarding.yaml",
        "payroll.yaml",
        "zeta.yaml",
    ]
    first = run(_many_broken(tmp_path / "a", names))
    second = run(_many_broken(tmp_path / "b", list(reversed(names))))
    assert [f.to_text() for f in first.findings] == [f.to_text() for f in second.findings]
    assert [(code, file, line, column) for code, file, line, column, *_ in errors(first)] == [
        ("bad-target", ITS, 23, 13),
        ("unknown-timezone", ORG, 30, 15),
        ("duplicate-key", NEW, 3, 1),
        ("wrong-type", "charters/zeta.yaml", 1, 1),
    ]
    # The organisation file failed: team references cannot be resolved, so onboarding's
    # unknown group is not (and cannot be) reported; its file was still validated.
    keys = [f.sort_key() for f in first.findings]
    assert keys == sorted(keys)


def test_findings_sorted_by_file_line_column(tmp_path: Path) -> None:
    folder = make_charters(
        tmp_path,
        {
            "onboarding.yaml": [
                ("group: operations", "group: operation"),
                ("goals: [fast-onboarding]", "goals: [fast-onboard, safe-dat]"),
                ("hours: lisbon", "hours: lisboa"),
            ],
            "it-service-desk.yaml": [("customers: [operations, technology]", "customers: [ops]")],
        },
    )
    found = errors(run(folder))
    assert [(file, line, column, code) for code, file, line, column, *_ in found] == [
        (ITS, 28, 17, "unknown-customer"),
        (ONB, 3, 8, "unknown-group"),
        (ONB, 8, 8, "unknown-calendar"),
        (ONB, 18, 13, "unknown-goal"),
        (ONB, 18, 27, "unknown-goal"),
    ]


# --- every code the checks can emit has a test ----------------------------------------------

_CODE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")


def _targets(node: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return [n for t in targets for n in (t.elts if isinstance(t, ast.Tuple) else [t])]


def _module_constants(tree: ast.Module) -> dict[str, set[str]]:
    """Module-level NAME = "some-code" assignments (CODE = "review-overdue")."""
    found: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                for target in _targets(node):
                    if isinstance(target, ast.Name) and _CODE.match(value.value):
                        found.setdefault(target.id, set()).add(value.value)
    return found


def emitted_codes(root: Path = GENERATOR) -> dict[str, set[str]]:
    """Finding codes written in the source, by file: found by reading it, not by running it.

    A code is a string (or a module constant holding one, CODE = "...") given as the `code`
    argument of `Finding` or of any function, method or class with a parameter called `code`
    (fail, make, report.error, _Rejected, ...), assigned to a variable called `code`, or the
    first item of the tuples of a table unpacked into `code` (validate._CUSTOM).
    """
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in root.rglob("*.py")}
    constants = {path: _module_constants(tree) for path, tree in trees.items()}
    everywhere: dict[str, set[str]] = {}
    for table in constants.values():
        for name, values in table.items():
            everywhere.setdefault(name, set()).update(values)

    # callable name -> position of its `code` parameter (self/cls not counted)
    takes_code: dict[str, int] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = [a.arg for a in node.args.posonlyargs + node.args.args]
                if names[:1] in (["self"], ["cls"]):
                    names = names[1:]
                if "code" in names:
                    takes_code[node.name] = names.index("code")
            elif isinstance(node, ast.ClassDef):
                fields = [
                    s.target.id
                    for s in node.body
                    if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
                ]
                if "code" in fields:  # a dataclass such as Finding
                    takes_code[node.name] = fields.index("code")
                for item in node.body:  # a class such as _Rejected
                    if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                        names = [a.arg for a in item.args.args][1:]
                        if "code" in names:
                            takes_code[node.name] = names.index("code")

    found: dict[str, set[str]] = {}
    for path, tree in trees.items():

        def codes_in(expr: ast.AST, path: Path = path) -> set[str]:
            codes: set[str] = set()
            for n in ast.walk(expr):
                if isinstance(n, ast.Constant) and isinstance(n.value, str):
                    codes |= {n.value} if _CODE.match(n.value) else set()
                elif isinstance(n, ast.Name):
                    codes |= constants[path].get(n.id, set())
                elif isinstance(n, ast.Attribute):  # module.CODE
                    codes |= everywhere.get(n.attr, set())
            return codes

        codes: set[str] = set()
        tables: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name in takes_code:
                    index = takes_code[name]
                    if index < len(node.args):
                        codes |= codes_in(node.args[index])
                    for keyword in node.keywords:
                        if keyword.arg == "code":
                            codes |= codes_in(keyword.value)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                if not any(isinstance(t, ast.Name) and t.id == "code" for t in _targets(node)):
                    continue
                value = node.value
                if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name):
                    tables.add(value.value.id)  # code, hint = _CUSTOM[kind]
                else:
                    codes |= codes_in(value)
        for node in tree.body:
            if (
                isinstance(node, (ast.Assign, ast.AnnAssign))
                and isinstance(node.value, ast.Dict)
                and any(isinstance(t, ast.Name) and t.id in tables for t in _targets(node))
            ):
                for value in node.value.values:
                    if isinstance(value, ast.Tuple) and value.elts:
                        codes |= codes_in(value.elts[0])
        if codes:
            found[path.relative_to(root).as_posix()] = codes
    return found


CHECKING_MODULES = ("source.py", "validate.py", "resolve.py", "pipeline.py")


def test_code_scanner_finds_the_known_codes() -> None:
    """The scanner below must see codes raised every way the checks raise them."""
    import generator

    # It reads the source tree next to the tests: the one these tests import.
    assert Path(generator.__file__).parent.resolve() == GENERATOR.resolve()
    codes = emitted_codes()
    assert {"yaml-alias", "file-too-large", "wrong-type"} <= codes["source.py"]  # _Rejected, fail
    assert {"bad-duration", "unknown-key", "invalid-value"} <= codes["validate.py"]  # table, make
    assert {"reserved-id", "missing-response"} <= codes["resolve.py"]  # code =, report.error
    assert {"bad-file-name", "missing-organisation"} <= codes["pipeline.py"]  # Finding(...)
    assert "review-overdue" in codes["analyses/review.py"]  # Finding(code=CODE)


def test_every_checking_code_has_a_case_here() -> None:
    """Each code of the loader, validator, resolver and pipeline has a case in this file."""
    codes = set().union(*(emitted_codes().get(name, set()) for name in CHECKING_MODULES))
    covered = {row[0] for case in CASES for row in case.values[1]}
    covered |= {"unreadable-file", "invalid-value", "file-too-large"}  # tests of their own
    assert sorted(codes - covered) == [], "add a case to CASES for each new code"


def test_every_code_in_generator_is_tested() -> None:
    """Every code emitted anywhere in generator/ is named in some test under tests/.

    A new code without a fixture fails here. Mentions inside this test do not count.
    """
    own = inspect.getsource(test_every_code_in_generator_is_tested)
    texts = []
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        texts.append(text.replace(own, "") if path == Path(__file__) else text)
    corpus = "\n".join(texts)
    untested = {
        f"{file}: {code}"
        for file, codes in emitted_codes().items()
        for code in codes
        if f'"{code}"' not in corpus and f"'{code}'" not in corpus and f"[{code}]" not in corpus
    }
    assert not untested, f"codes no test names (add a fixture for each): {sorted(untested)}"
