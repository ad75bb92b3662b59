"""``exchange validate``: check exchange files against the contract."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from exchange import jsonio
from exchange.archive.names import utf8_name
from exchange.contract.load import ContractSettings, LoadedFile, load_file
from exchange.errors import EXIT_ATTENTION, EXIT_OK
from exchange.logs import escape_line

MIB = 1024 * 1024


@click.command("validate")
@click.argument(
    "files",
    metavar="FILE...",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON document with the results of every file, for programs.",
)
@click.option(
    "--max-errors",
    type=click.IntRange(min=1),
    default=None,
    help="Maximum number of contract violations listed per file; all are "
    "still counted. Default: [inbox] max_errors of the configuration, else 100.",
)
@click.pass_context
def command(
    ctx: click.Context, files: tuple[Path, ...], as_json: bool, max_errors: int | None
) -> None:
    """Check FILE... against the exchange contract without processing them.

    Reports contract violations (the file would be rejected) and orders that
    fail a business check (those orders would get status error). Exits 0
    when every file is valid and 1 when any file has a problem of either kind.
    """
    settings = _contract_settings(ctx)
    if max_errors is not None:
        settings = dataclasses.replace(settings, max_errors=max_errors)
    results = [load_file(path, settings) for path in files]
    if as_json:
        click.echo(jsonio.dumps_text(_as_document(results), indent=True))
    else:
        for result in results:
            _print_result(result)
    failed = sum(1 for result in results if _has_problems(result))
    if not as_json:
        click.echo(f"files checked: {len(files)}; with problems: {failed}")
    ctx.exit(EXIT_ATTENTION if failed else EXIT_OK)


def _contract_settings(ctx: click.Context) -> ContractSettings:
    # Without the exchange group (a test invoking the command alone) there is
    # no configuration, and the contract's defaults apply.
    load_settings = getattr(ctx.obj, "settings", None)
    if load_settings is None:
        return ContractSettings()
    settings = load_settings()
    return ContractSettings(
        timezone=settings.onec.zone,
        max_bytes=settings.inbox.max_file_mib * MIB,
        max_errors=settings.inbox.max_errors,
    )


def _has_problems(result: LoadedFile) -> bool:
    return bool(result.problems or result.order_problems)


def _print_result(result: LoadedFile) -> None:
    if not _has_problems(result):
        kind = result.envelope.kind if result.envelope else "?"
        click.echo(f"{escape_line(result.source_name)}: valid ({kind})")
        return
    if result.problems:
        shown = len(result.problems)
        listed = f" ({shown} listed)" if shown < result.errors_total else ""
        click.echo(
            f"{escape_line(result.source_name)}: rejected; contract violations: "
            f"{result.errors_total}{listed}"
        )
        for problem in result.problems:
            value = f"{problem.value}: " if problem.value else ""
            line = f"  {problem.path or '(file)'}: {value}{problem.message}"
            click.echo(escape_line(line))
    if result.order_problems:
        click.echo(
            f"{escape_line(result.source_name)}: orders failing a business check: "
            f"{len(result.order_problems)} (these orders get status error, "
            "the others apply)"
        )
        for order_problem in result.order_problems:
            click.echo(escape_line(f"  {order_problem.path}: {order_problem.message}"))


def _as_document(results: list[LoadedFile]) -> dict[str, Any]:
    return {
        "valid": not any(_has_problems(result) for result in results),
        "files": [_file_document(result) for result in results],
    }


def _file_document(result: LoadedFile) -> dict[str, Any]:
    envelope = result.envelope
    return {
        "file": utf8_name(result.source_name),
        "size": result.size,
        "sha256": result.sha256,
        "kind": envelope.kind if envelope else None,
        "package_id": envelope.package_id if envelope else None,
        "valid": not _has_problems(result),
        "rejected": result.rejected,
        "errors_total": result.errors_total,
        "errors": [dataclasses.asdict(problem) for problem in result.problems],
        "order_problems": [
            dataclasses.asdict(problem) for problem in result.order_problems
        ],
    }
