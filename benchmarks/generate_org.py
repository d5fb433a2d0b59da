"""Write a synthetic organisation of N teams: organization.yaml plus one charter per team.

Deterministic: the same seed and reference date give byte-identical files. The shape follows
what large organisations look like, so the benchmark measures realistic work:

- groups (departments) of 10 to 50 teams, 4 to 8 services a team;
- teams sit in four tiers (foundation, shared, domain, customer-facing). A service depends
  only on services of lower tiers, so the blocking dependencies form a DAG by construction;
- providers are picked with a power-law (Zipf) weight, so a few foundation services are
  waited on by hundreds of others, as a real platform or identity team is;
- promises grow with the tier, each tier's promise longer than any blocking chain below it
  (in calendar and in business time), so every promise is feasible;
- every dependency is acknowledged: the provider lists the consumer team, its group, or
  everyone among its customers; services nobody depends on serve an external segment or a
  group, so every team has a line of sight to the outside;
- every service serves at least one goal; review dates lie in the last five months.

Usage: python3 benchmarks/generate_org.py N OUTPUT_DIR [--seed 1] [--today YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml writes several times faster; output is the same.
    _Dumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Dumper = yaml.SafeDumper

# A file in the output folder saying it was generated, so regenerating may clear the folder.
MARKER = ".generated-by-benchmarks"

DOMAINS = (
    "Payments",
    "Billing",
    "Identity",
    "Search",
    "Catalogue",
    "Checkout",
    "Logistics",
    "Payroll",
    "Recruiting",
    "Analytics",
    "Data Platform",
    "Networking",
    "Storage",
    "Compute",
    "Observability",
    "Security",
    "Compliance",
    "Legal",
    "Procurement",
    "Facilities",
    "Support",
    "Onboarding",
    "Mobile",
    "Web",
    "Notifications",
    "Messaging",
    "Pricing",
    "Inventory",
    "Fulfilment",
    "Returns",
    "Fraud",
    "Risk",
    "Treasury",
    "Tax",
    "Accounting",
    "Marketing",
    "CRM",
    "Partnerships",
    "Research",
    "Design System",
    "Localisation",
    "Accessibility",
    "Documentation",
    "Learning",
    "Release",
    "Build",
    "Developer Experience",
    "Databases",
    "Caching",
    "Queueing",
    "Edge",
    "DNS",
    "Email",
    "Print",
    "Reporting",
    "Forecasting",
    "Contracts",
    "Workplace",
    "Travel",
    "Benefits",
)
ROLES = (
    "Platform",
    "Operations",
    "Engineering",
    "Services",
    "Core",
    "Tooling",
    "Insights",
    "Delivery",
    "Reliability",
    "Experience",
)
REGIONS = ("EMEA", "Americas", "APAC", "North", "South", "East", "West", "Central")
DEPARTMENTS = (
    "Commerce",
    "Infrastructure",
    "People",
    "Finance",
    "Customer Care",
    "Data",
    "Product Engineering",
    "Corporate Services",
    "Growth",
    "Supply Chain",
    "Security",
    "Operations",
    "Marketing",
    "Platform",
    "Legal & Risk",
)
SERVICES = (
    "Access requests",
    "Environment provisioning",
    "Data exports",
    "Report requests",
    "Contract reviews",
    "Incident response",
    "Change approvals",
    "Onboarding sessions",
    "Consultations",
    "Integration support",
    "Capacity planning",
    "Vendor assessments",
    "Training sessions",
    "Bug triage",
    "Feature requests",
    "Account setup",
    "Budget approvals",
    "Hiring support",
    "Security reviews",
    "Architecture reviews",
    "Release scheduling",
    "Monitoring setup",
    "Backup restores",
    "Data fixes",
    "Pricing changes",
    "Content updates",
    "Translations",
    "Legal reviews",
    "Purchase orders",
    "Invoice queries",
    "Expense queries",
    "Payroll queries",
    "Laptop requests",
    "Network changes",
    "DNS changes",
    "Certificate renewals",
    "API keys",
    "Dashboards",
    "Ad-hoc analysis",
    "Experiment design",
    "User research",
    "Design reviews",
    "Accessibility audits",
    "Load testing",
    "Schema changes",
    "Office moves",
    "Event support",
    "Database restores",
    "Queue provisioning",
    "Alert tuning",
    "Runbook reviews",
    "Cost reports",
    "Forecast updates",
    "Audit evidence",
)
OBJECTS = (
    "customer records",
    "invoices",
    "the order pipeline",
    "supplier contracts",
    "payroll runs",
    "the data warehouse",
    "production clusters",
    "the mobile apps",
    "partner integrations",
    "shared dashboards",
    "office networks",
    "employee accounts",
    "the release train",
    "the search index",
    "pricing rules",
    "tax filings",
)
FIRST = (
    "Aisha",
    "Ben",
    "Chen",
    "Dana",
    "Emeka",
    "Fatima",
    "Gus",
    "Hana",
    "Ivan",
    "Jo",
    "Kofi",
    "Lena",
    "Mateo",
    "Nia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tariq",
    "Uma",
    "Vik",
    "Wen",
    "Yara",
    "Zoe",
)
LAST = (
    "Okafor",
    "Raman",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Silva",
    "Novak",
    "Haddad",
    "Kim",
    "Osei",
    "Fischer",
    "Ibrahim",
    "Costa",
    "Walsh",
    "Ng",
    "Petrov",
    "Ali",
    "Jensen",
)
SEGMENTS = (
    ("retail-customers", "Retail customers", "People who buy from us online and in stores."),
    ("business-customers", "Business customers", "Companies on an account with invoiced terms."),
    ("partners", "Partners", "Resellers and marketplaces that sell our products."),
    ("suppliers", "Suppliers", "Companies we buy goods and services from."),
    ("regulators", "Regulators", "Authorities we report to and who audit us."),
)
GOALS = (
    ("reliable-service", "Reliable service", "Customers can use our products whenever needed."),
    ("fast-delivery", "Fast delivery", "Orders reach customers within two days."),
    ("trusted-data", "Trusted with data", "No reportable data breach; audits pass first time."),
    ("happy-people", "A place people stay", "Staff turnover under 10% a year."),
    ("healthy-business", "A healthy business", "Profitable growth of 15% a year."),
    ("easy-to-work-with", "Easy to work with", "Every request answered within its promise."),
)
VALUES = (
    ("customers-first", "Customers first", "We weigh each choice by what it does for customers."),
    ("say-it-do-it", "Say it, then do it", "We write our promises down and keep them."),
    ("open-by-default", "Open by default", "Our charters and figures are visible to everyone."),
    ("leave-it-better", "Leave it better", "Every handover is a chance to make the next easier."),
)

# Share of teams in each tier, foundation first. A service depends only on lower tiers.
TIER_SHARES = (0.08, 0.2, 0.32, 0.4)
# Promises per tier as (response, resolution or None). A tier's shortest promise, in calendar
# or business time, is longer than the longest blocking chain below it counted either way
# (a business day as little as 8 working hours or as much as a long weekend).
PROMISES: tuple[tuple[tuple[str, str | None], ...], ...] = (
    (
        ("15 minutes", "4 hours"),
        ("30 minutes", "8 hours"),
        ("1 hour", None),
        ("2 business hours", "4 business hours"),
    ),
    (
        ("4 business hours", "1 week"),
        ("1 business day", "5 business days"),
        ("4 hours", "8 days"),
    ),
    (
        ("1 business day", "4 weeks"),
        ("1 business day", "20 business days"),
        ("2 business days", "30 days"),
    ),
    (
        ("2 business days", "16 weeks"),
        ("2 business days", "80 business days"),
        ("1 week", "120 days"),
    ),
)
TARGETS = ("90%", "95%", "95%", "98%", "99%")
CALENDARS = {
    "default": {
        "timezone": "Europe/London",
        "days": "Mon-Fri",
        "hours": "09:00-17:30",
        "holidays": ["2026-12-25", "2026-12-28", "2027-01-01", "2027-04-02", "2027-05-03"],
    },
    "new-york": {
        "timezone": "America/New_York",
        "days": "Mon-Fri",
        "hours": "09:00-17:00",
        "holidays": ["2026-11-26", "2026-12-25", "2027-01-01", "2027-07-05"],
    },
    "singapore": {"timezone": "Asia/Singapore", "days": "Mon-Fri", "hours": "09:00-18:00"},
}


@dataclass
class _Service:
    team: _Team
    index: int
    id: str
    name: str
    tier: int
    customers: list[str] = field(default_factory=list)
    depends_on: list[tuple[_Service, bool, str]] = field(default_factory=list)
    consumers: set[str] = field(default_factory=set)  # consumer team ids

    @property
    def key(self) -> str:
        return f"{self.team.id}/{self.id}"


@dataclass
class _Team:
    id: str
    name: str
    domain: str
    group: str
    tier: int
    services: list[_Service] = field(default_factory=list)


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _group_sizes(rng: random.Random, n: int) -> list[int]:
    """Split n teams into groups of 10 to 50 (fewer than 10 teams make one group)."""
    sizes: list[int] = []
    remaining = n
    while remaining > 50:
        size = rng.randint(10, 50)
        if remaining - size < 10:
            size = remaining - 10
        sizes.append(size)
        remaining -= size
    if remaining:
        sizes.append(remaining)
    return sizes


def _unique(base: str, taken: set[str]) -> str:
    candidate = base
    for number in itertools.count(2):
        if candidate not in taken:
            break
        candidate = f"{base}-{number}"
    taken.add(candidate)
    return candidate


def _team_names(rng: random.Random, n: int) -> list[tuple[str, str]]:
    """n distinct (name, domain) pairs: domain x role, then with a region, then numbered."""
    combos = [(f"{d} {r}", d) for d in DOMAINS for r in ROLES]
    rng.shuffle(combos)
    if n > len(combos):
        regional = [(f"{name} {region}", d) for name, d in combos for region in REGIONS]
        rng.shuffle(regional)
        combos += regional
    while n > len(combos):
        combos += [(f"{name} {len(combos) + i}", d) for i, (name, d) in enumerate(combos[:n])]
    return combos[:n]


def _purpose(rng: random.Random, team: _Team) -> str:
    obj = rng.sample(OBJECTS, 2)
    return (
        f"We look after {team.domain.lower()} for the whole company: we keep {obj[0]} "
        f"running, answer questions about {obj[1]}, and make the next request easier than "
        f"the last. Teams come to us when {team.domain.lower()} work blocks a release, a "
        "customer promise or a month-end close. We publish our queue every Monday and treat "
        "a blocked colleague as an incident, not as a ticket."
    )


def _summary(rng: random.Random, team: _Team, name: str) -> str:
    obj = rng.choice(OBJECTS)
    return (
        f"{name} for anything touching {team.domain.lower()} and {obj}: we take the request, "
        "agree what done means with you, do the work or tell you early why we cannot, and "
        "write down what we changed so the next team can find it."
    )


def _request(rng: random.Random, team: _Team, name: str) -> str:
    tool = rng.choice(("the service portal", "Jira", "the team channel", "email"))
    return (
        f"Ask through {tool} with the form '{name}': say what you need, by when, and who "
        "to talk to if we have questions. Urgent? Say so in the first line and why."
    )


def build_org(n: int, seed: int = 1, today: dt.date | None = None) -> dict[str, Any]:
    """The organisation as plain data: {'organization': {...}, 'teams': {id: {...}}}."""
    rng = random.Random(seed)
    today = today or dt.date.today()
    taken: set[str] = {"everyone"} | {s[0] for s in SEGMENTS}

    # Groups and teams.
    sizes = _group_sizes(rng, n)
    groups: list[tuple[str, str]] = []
    for index, _size in enumerate(sizes):
        base = DEPARTMENTS[index % len(DEPARTMENTS)]
        name = base if index < len(DEPARTMENTS) else f"{base} {index // len(DEPARTMENTS) + 1}"
        groups.append((_unique(slugify(name), taken), name))
    names = _team_names(rng, n)
    tiers = [t for t, share in enumerate(TIER_SHARES) for _ in range(round(share * n) + 1)]
    rng.shuffle(tiers)
    teams: list[_Team] = []
    position = 0
    for (group_id, _group_name), size in zip(groups, sizes, strict=True):
        for _ in range(size):
            name, domain = names[position]
            tier = tiers[position] if n >= 8 else min(position, 3)
            teams.append(_Team(_unique(slugify(name), taken), name, domain, group_id, tier))
            position += 1

    # Services.
    by_tier: list[list[_Service]] = [[] for _ in TIER_SHARES]
    for team in teams:
        count = rng.randint(4, 8)
        seen: set[str] = set()
        for index, name in enumerate(rng.sample(SERVICES, count)):
            service = _Service(team, index, _unique(slugify(name), seen), name, team.tier)
            team.services.append(service)
            by_tier[team.tier].append(service)

    # Dependencies: Zipf-weighted providers in lower tiers, so fan-in follows a power law.
    lower: list[_Service] = []
    for tier, services in enumerate(by_tier):
        if tier > 0 and lower:
            weights = list(
                itertools.accumulate(1 / (rank + 1) ** 1.1 for rank in range(len(lower)))
            )
            for service in services:
                wanted = rng.choice((0, 1, 1, 2, 2, 3))
                picked = set()
                for provider in rng.choices(lower, cum_weights=weights, k=wanted):
                    if provider.key in picked:
                        continue
                    picked.add(provider.key)
                    blocking = rng.random() < 0.75
                    purpose = f"{provider.name.lower()} from {provider.team.name}"
                    service.depends_on.append((provider, blocking, purpose))
                    provider.consumers.add(service.team.id)
        # Shuffle so that popularity ranks are not tied to team order.
        new = list(services)
        rng.shuffle(new)
        lower = new + lower if rng.random() < 0.5 else lower + new

    # Customers: acknowledge every consumer; services nobody depends on serve the outside.
    team_group = {team.id: team.group for team in teams}
    segment_ids = [s[0] for s in SEGMENTS]
    for team in teams:
        for service in team.services:
            if len(service.consumers) > 25:
                service.customers = ["everyone"]
                continue
            per_group: dict[str, list[str]] = {}
            for consumer in sorted(service.consumers):
                per_group.setdefault(team_group[consumer], []).append(consumer)
            customers: list[str] = []
            for group_id, members in sorted(per_group.items()):
                customers += [group_id] if len(members) >= 3 else members
            if not customers or rng.random() < 0.3:
                # Customer-facing tiers serve the outside; the others serve departments.
                if service.tier == len(TIER_SHARES) - 1 and rng.random() < 0.8:
                    customers.append(rng.choice(segment_ids))
                elif rng.random() < 0.1:
                    customers.append("everyone")
                else:
                    customers.append(team.group if rng.random() < 0.6 else rng.choice(groups)[0])
            service.customers = list(dict.fromkeys(customers))

    # Line of sight: a team reaches the outside by serving a segment or through a team that
    # depends on it and does. Consumers sit in higher tiers, so settle those first.
    reaches: set[str] = set()
    for team in sorted(teams, key=lambda t: -t.tier):
        services = team.services
        if not any(c in segment_ids for s in services for c in s.customers) and not any(
            c in reaches for s in services for c in s.consumers
        ):
            rng.choice(services).customers.append(rng.choice(segment_ids))
        reaches.add(team.id)

    calendar_ids = list(CALENDARS)
    organisation = {
        "name": f"Synthetic Org ({n} teams)",
        "mission": "We make buying, receiving and returning things simple for everyone.",
        "vision": "Every customer gets what they need, when we said they would, every time.",
        "values": [{"id": i, "name": nm, "description": d} for i, nm, d in VALUES],
        "goals": [{"id": i, "name": nm, "description": d} for i, nm, d in GOALS],
        "groups": [
            {"id": gid, "name": name, "description": f"The {name} department."}
            for gid, name in groups
        ],
        "customers": [{"id": i, "name": nm, "description": d} for i, nm, d in SEGMENTS],
        "calendars": {
            cid: {**cal, "holidays": [dt.date.fromisoformat(h) for h in cal.get("holidays", [])]}
            for cid, cal in CALENDARS.items()
        },
        "standards": {"review_every": "6 months", "response": "1 business day", "target": "90%"},
    }
    charters: dict[str, dict[str, Any]] = {}
    for team in teams:
        lead = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        calendar = rng.choices(calendar_ids, weights=(7, 2, 1))[0]
        charter: dict[str, Any] = {
            "team": team.id,
            "name": team.name,
            "group": team.group,
            "purpose": _purpose(rng, team),
            "lead": lead,
            "contact": {"email": f"{team.id}@example.org", "chat": f"#{team.id}"},
            "hours": calendar,
            "owners": [f"@example/{team.id}"],
            "reviewed": today - dt.timedelta(days=rng.randint(1, 150)),
            "feedback": f"https://forms.example.org/feedback/{team.id}",
            "services": [],
        }
        if rng.random() < 0.5:
            charter["contact"]["url"] = f"https://wiki.example.org/teams/{team.id}"
        for service in team.services:
            response, resolution = rng.choice(PROMISES[service.tier])
            spec: dict[str, Any] = {
                "id": service.id,
                "name": service.name,
                "summary": _summary(rng, team, service.name),
                "customers": service.customers,
                "request": _request(rng, team, service.name),
            }
            if rng.random() < 0.6:
                spec["request_url"] = f"https://portal.example.org/{team.id}/{service.id}"
            spec["response"] = response
            if resolution:
                spec["resolution"] = resolution
            spec["target"] = rng.choice(TARGETS)
            spec["goals"] = sorted(g[0] for g in rng.sample(GOALS, rng.randint(1, 2)))
            if service.depends_on:
                spec["depends_on"] = [
                    {"service": provider.key, "for": purpose, "blocking": blocking}
                    for provider, blocking, purpose in service.depends_on
                ]
            charter["services"].append(spec)
        charters[team.id] = charter
    return {"organization": organisation, "teams": charters}


class _CharterDumper(_Dumper):  # type: ignore[misc, valid-type]
    """Writes long text as folded paragraphs (`>-`), the way people write charters."""


def _represent_str(dumper: Any, value: str) -> Any:
    style = ">" if len(value) > 80 else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_CharterDumper.add_representer(str, _represent_str)


def _dump(data: Any) -> str:
    return yaml.dump(
        data, Dumper=_CharterDumper, sort_keys=False, allow_unicode=True, width=88, indent=2
    )


def write_org(n: int, output: Path, seed: int = 1, today: dt.date | None = None) -> Path:
    """Generate and write the organisation into `output` (cleared if generated before)."""
    output.mkdir(parents=True, exist_ok=True)
    existing = [p for p in output.iterdir() if p.name != MARKER]
    if existing:
        if not (output / MARKER).exists():
            raise SystemExit(f"{output} is not empty and was not generated here; not touching it")
        for path in existing:
            if path.suffix == ".yaml":
                path.unlink()
    (output / MARKER).write_text(f"seed={seed} teams={n}\n", encoding="utf-8")
    org = build_org(n, seed, today)
    (output / "organization.yaml").write_text(_dump(org["organization"]), encoding="utf-8")
    for team_id, charter in org["teams"].items():
        (output / f"{team_id}.yaml").write_text(_dump(charter), encoding="utf-8")
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("teams", type=int, help="number of teams")
    parser.add_argument("output", type=Path, help="folder to write the charters into")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=None,
        help="reference date for review dates (default: today)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    write_org(args.teams, args.output, args.seed, args.today)
    print(
        f"wrote {args.teams} teams to {args.output} in {time.perf_counter() - started:.2f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
