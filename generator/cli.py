"""The `charters` command. Each subcommand is thin: it parses options and calls one module."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .findings import Severity, findings_to_json
from .pipeline import CheckResult, load_charters

DEFAULT_CHARTERS = Path("charters")


def _charters_dir(path: Path | None) -> Path:
    charters_dir = path or DEFAULT_CHARTERS
    if not charters_dir.is_dir():
        raise click.UsageError(
            f"'{charters_dir}' is not a folder of charters; run from the repository root "
            "or pass the folder, e.g. `charters check charters`"
        )
    return charters_dir


def print_findings(result: CheckResult, output_format: str) -> None:
    if output_format == "json":
        click.echo(findings_to_json(result.findings))
        return
    for finding in result.findings:
        click.echo(finding.to_github() if output_format == "github" else finding.to_text())
    if output_format == "text":
        counts = {s: sum(1 for f in result.findings if f.severity is s) for s in Severity}
        click.echo(
            f"checked {len(result.files)} files: {counts[Severity.ERROR]} errors, "
            f"{counts[Severity.WARNING]} warnings, {counts[Severity.INFO]} notes",
            err=bool(result.findings),
        )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="charters")
def main() -> None:
    """Check team service charters and build them into an offline handbook site."""


@main.command()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "github", "json"]),
    default="text",
    show_default=True,
    help="text for people, github for GitHub Actions annotations, json for tools",
)
@click.argument("path", required=False, type=click.Path(path_type=Path))
def check(output_format: str, path: Path | None) -> None:
    """Check every charter in PATH (default: ./charters).

    Prints each finding as path:line:col: severity[code]: message, with a hint.
    Exits 0 when there are no errors, 1 when there are, 2 on usage problems.
    """
    result = load_charters(_charters_dir(path), root=Path.cwd())
    print_findings(result, output_format)
    sys.exit(0 if result.ok else 1)


@main.command()
@click.option(
    "--output",
    "-o",
    "output_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("schema"),
    show_default=True,
    help="folder to write the schema files into",
)
def schema(output_dir: Path) -> None:
    """Write the JSON Schema of charter and organisation files for editors.

    Point the YAML language server at them, e.g. with a first line in each charter:
    # yaml-language-server: $schema=../schema/charter.schema.json
    """
    from .schema import write_schemas

    for written in write_schemas(output_dir):
        click.echo(f"wrote {written}")
