"""The `charters` command. Each subcommand is thin: it parses options and calls one module."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .findings import findings_to_gitlab, findings_to_json
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
    if output_format == "gitlab":
        click.echo(findings_to_gitlab(result.findings))
        return
    for finding in result.findings:
        click.echo(finding.to_github() if output_format == "github" else finding.to_text())
    if output_format == "text":
        click.echo(result.summary, err=bool(result.findings))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="charters")
def main() -> None:
    """Check team service charters and build them into an offline handbook site."""


@main.command()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "github", "gitlab", "json"]),
    default="text",
    show_default=True,
    help=(
        "text for people, github for GitHub Actions annotations, gitlab for a GitLab Code "
        "Quality report (merge request annotations), json for tools"
    ),
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


@main.command()
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="write nothing; exit 1 when the file differs from what the charters say",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("CODEOWNERS"),
    show_default=True,
    help="the CODEOWNERS file (GitHub also reads .github/CODEOWNERS)",
)
@click.option(
    "--dir",
    "charters_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="the charters folder  [default: charters]",
)
def codeowners(check_only: bool, output: Path, charters_dir: Path | None) -> None:
    """Generate CODEOWNERS from each charter's `owners`.

    One line per charter, e.g. `/charters/payroll.yaml @acme/payroll`, so a change to a
    charter needs its team's review. Run it after changing `owners:` and commit the file.
    With --check (for CI) exits 1 when the committed file is out of date.
    """
    from . import codeowners as owners

    result = load_charters(_charters_dir(charters_dir), root=Path.cwd())
    text, problems = owners.generate(result)
    if text is None:
        for finding in problems:
            click.echo(finding.to_text(), err=True)
        click.echo("CODEOWNERS is generated from the charters: fix these errors first", err=True)
        sys.exit(1)
    if check_only:
        actual = output.read_text(encoding="utf-8") if output.is_file() else None
        stale = owners.stale_message(output, text, actual)
        if stale:
            click.echo(stale, err=True)
            sys.exit(1)
        click.echo(f"{output} is up to date")
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}")


@main.command()
@click.argument("base", required=False, default="HEAD")
@click.argument("head", required=False)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown"]),
    default="text",
    show_default=True,
    help="text for people, markdown for a CI job summary or a merge request comment",
)
@click.option(
    "--fail-on",
    type=click.Choice(["infeasible"]),
    multiple=True,
    help="exit 1 when the change makes a promise infeasible (for CI)",
)
@click.option(
    "--dir",
    "charters_dir",
    type=click.Path(path_type=Path),
    default=DEFAULT_CHARTERS,
    show_default=True,
    help="the charters folder",
)
def diff(
    base: str, head: str | None, output_format: str, fail_on: tuple[str, ...], charters_dir: Path
) -> None:
    """Report what changed in the charters from BASE to HEAD.

    BASE and HEAD are git revisions (branch, tag or commit); BASE defaults to HEAD and HEAD
    to the working tree, so `charters diff` alone shows your uncommitted changes. Reports
    charters and services added, removed or renamed, promises that got longer or shorter,
    customers and dependencies added or dropped, the teams affected and any promise that
    became infeasible. Exits 0 (1 with --fail-on when it applies), 1 when the charters at
    either revision have errors, 2 on git or usage problems.
    """
    from . import diff as impact

    try:
        before, after = impact.load_snapshots(Path.cwd(), charters_dir, base, head)
    except impact.GitError as error:
        raise click.UsageError(str(error)) from None
    if before.broken or after.broken:
        click.echo(impact.render_broken((before, after), output_format), nl=False)
        sys.exit(1)
    report = impact.compare(before, after)
    click.echo(impact.render(report, output_format), nl=False)
    sys.exit(impact.exit_code(report, fail_on))


@main.command()
@click.argument("team")
@click.option("--name", help="the team's name, e.g. 'Payroll & Benefits'")
@click.option("--group", help="the id of the team's group in organization.yaml")
@click.option("--lead", help="who leads the team")
@click.option(
    "--dir",
    "charters_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="the charters folder  [default: charters]",
)
def new(
    team: str, name: str | None, group: str | None, lead: str | None, charters_dir: Path | None
) -> None:
    """Write a new, commented charter for TEAM (a team id such as 'payroll').

    Asks for the name, group and lead unless given as options; when standard input is not a
    terminal (scripts, CI) all three options are required. Refuses bad team ids and
    existing files (exit 2). The new charter passes `charters check`.
    """
    from . import scaffold

    folder = _charters_dir(charters_dir)
    result = load_charters(folder, root=Path.cwd())
    if result.organisation is None:
        print_findings(result, "text")
        click.echo("fix organization.yaml first: a charter names its group from it", err=True)
        sys.exit(1)
    try:
        path = scaffold.check_team_id(team, folder, result.organisation)
        charter = scaffold.collect(
            team, name, group, lead, result.organisation, scaffold.stdin_is_terminal()
        )
        text = scaffold.render(
            charter, result.organisation, scaffold.schema_reference(folder, Path.cwd())
        )
        scaffold.write(path, text)
    except scaffold.ScaffoldError as error:
        raise click.UsageError(str(error)) from None
    errors = scaffold.errors_in(folder, path, Path.cwd())
    for finding in errors:
        click.echo(finding.to_text(), err=True)
    click.echo(f"wrote {path.as_posix()}")
    click.echo("next: replace every TODO, run `charters check`, and open a pull request")
    sys.exit(1 if errors else 0)


_CONFIG_OPTION = click.option(
    "--config-file",
    "-f",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("mkdocs.yml"),
    show_default=True,
    help="the MkDocs configuration",
)
_QUIET_OPTION = click.option("--quiet", "-q", is_flag=True, help="show only warnings and errors")


@main.command()
@click.option("--strict", is_flag=True, help="fail on warnings too, not only on errors")
@click.option(
    "--site-dir",
    "-d",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="folder to write the site into (default: site_dir in mkdocs.yml, i.e. site/)",
)
@_CONFIG_OPTION
@_QUIET_OPTION
def build(strict: bool, site_dir: Path | None, config_file: Path, quiet: bool) -> None:
    """Check the charters and build the site (mkdocs.yml; default into site/).

    The site is built in a temporary folder and replaces the old one only when the build
    succeeded: errors in a charter (or warnings, with --strict) leave the old site as it was.
    Exits 0 when built, 1 when the build failed, 2 on usage problems.
    """
    from .build import build_site

    sys.exit(build_site(config_file, site_dir, strict, quiet))


@main.command()
@click.option("--dev-addr", "-a", default=None, help="IP:PORT to serve on (default 127.0.0.1:8000)")
@_CONFIG_OPTION
@_QUIET_OPTION
def serve(dev_addr: str | None, config_file: Path, quiet: bool) -> None:
    """Serve the site locally and reload it when a charter, template or page changes."""
    from .build import serve_site

    sys.exit(serve_site(config_file, dev_addr, quiet))
