"""Finding deals by document number and updating their fields in batches.

Lookup costs few requests: many numbers share one ``crm.deal.list`` command
through the ``@`` (in) filter, and 50 commands share one ``batch``. Whether
the portal honours ``@`` on a custom field is not documented, so the first
batch checks it. A failed command, or rows with numbers that were not
requested, mean it does not, and the lookup falls back to one ``=`` command
per number for the rest of the client's lifetime. Every row is compared
again by the service with trimmed values, whatever filter found it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from exchange.bitrix24.client import (
    MAX_BATCH_COMMANDS,
    PAGE_SIZE,
    Bitrix24Client,
    rows_of,
)
from exchange.bitrix24.errors import Bitrix24Error, CommandError
from exchange.bitrix24.fields import ResolvedDealFields

log = logging.getLogger(__name__)

NUMBERS_PER_COMMAND = 20
"""Numbers per ``@`` command: 10,000 numbers take 500 commands, 10 batches."""

MAX_SUBSTRING_PAGES = 4
"""Pages read per substring search; a real number matches only a few deals."""

_LIST_METHOD = "crm.deal.list"


@dataclass(frozen=True)
class DealSnapshot:
    """A deal found by its document number, with the fields orders update."""

    id: int
    document_number: str
    """The number as typed into the deal, white space included."""
    payment_status_item: str | None
    realization_date: dt.date | None


@dataclass(frozen=True)
class DealUpdate:
    """New values for some fields of one deal, already encoded for the portal."""

    deal_id: int
    fields: Mapping[str, str]


def in_filter_capability(fields: ResolvedDealFields) -> str:
    """Return the ``client.capabilities`` key for ``@`` on the number field."""
    return f"in_filter:{fields.codes.document_number}"


def find_deals(
    client: Bitrix24Client, fields: ResolvedDealFields, numbers: Iterable[str]
) -> dict[str, list[DealSnapshot]]:
    """Find the deals of each document number, keyed by the trimmed number.

    Every requested number gets a key. Its list is empty when no deal has
    it, and contains several deals when several share it (sorted by ID).
    Numbers found by neither ``@`` nor ``=`` get one substring search, so a
    number typed with stray spaces is still found.
    """
    requested = list(dict.fromkeys(n.strip() for n in numbers if n.strip()))
    found: dict[str, dict[int, DealSnapshot]] = {number: {} for number in requested}
    if not requested:
        return {}

    capability = in_filter_capability(fields)
    if client.capabilities.get(capability, True):
        if _find_with_in(client, fields, requested, found):
            client.capabilities[capability] = True
        else:
            client.capabilities[capability] = False
            log.warning(
                "Bitrix24 ignores or rejects the @ (in) filter on deal field %s; "
                "looking deals up with one = filter per number from now on",
                fields.codes.document_number,
            )
    if not client.capabilities[capability]:
        _find_with_equal(client, fields, requested, found)

    missing = [number for number in requested if not found[number]]
    if missing:
        _find_with_substring(client, fields, missing, found)
    return {
        number: sorted(found[number].values(), key=lambda deal: deal.id)
        for number in requested
    }


def _find_with_in(
    client: Bitrix24Client,
    fields: ResolvedDealFields,
    requested: Sequence[str],
    found: dict[str, dict[int, DealSnapshot]],
) -> bool:
    """Look numbers up with ``@``; return False when the portal does not honour it."""
    code = fields.codes.document_number
    groups = [
        requested[start : start + NUMBERS_PER_COMMAND]
        for start in range(0, len(requested), NUMBERS_PER_COMMAND)
    ]
    commands = {
        f"in{index}": _list_params(fields, {f"@{code}": group})
        for index, group in enumerate(groups)
    }
    requested_by_command = {f"in{index}": group for index, group in enumerate(groups)}
    names = list(commands)
    for start in range(0, len(names), MAX_BATCH_COMMANDS):
        chunk = {
            name: commands[name] for name in names[start : start + MAX_BATCH_COMMANDS]
        }
        pages, errors, more = _first_pages(client, chunk)
        for error in errors.values():
            if error.transient:
                raise _command_failure(error)
            log.info("Bitrix24 rejected the @ filter on %s: %s", code, error)
            return False
        for name, rows in pages.items():
            if _has_unrequested_rows(rows, code, requested_by_command[name]):
                return False
        for rows in [*pages.values(), *_follow_pages(client, more, None).values()]:
            _keep_matching(fields, rows, found)
    return True


def _find_with_equal(
    client: Bitrix24Client,
    fields: ResolvedDealFields,
    requested: Sequence[str],
    found: dict[str, dict[int, DealSnapshot]],
) -> None:
    code = fields.codes.document_number
    commands = {
        f"eq{index}": _list_params(fields, {f"={code}": number})
        for index, number in enumerate(requested)
    }
    for rows in _run_list_commands(client, commands, None).values():
        _keep_matching(fields, rows, found)


def _find_with_substring(
    client: Bitrix24Client,
    fields: ResolvedDealFields,
    missing: Sequence[str],
    found: dict[str, dict[int, DealSnapshot]],
) -> None:
    code = fields.codes.document_number
    commands = {
        f"like{index}": _list_params(fields, {f"%{code}": number})
        for index, number in enumerate(missing)
    }
    results = _run_list_commands(client, commands, MAX_SUBSTRING_PAGES)
    for rows in results.values():
        _keep_matching(fields, rows, found)


def _list_params(
    fields: ResolvedDealFields, filter_: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "filter": dict(filter_),
        "select": fields.select,
        "order": {"ID": "ASC"},
        "start": 0,
    }


def _run_list_commands(
    client: Bitrix24Client,
    commands: Mapping[str, dict[str, Any]],
    max_pages: int | None,
) -> dict[str, list[dict[str, Any]]]:
    """Run list commands in batches, following ``next``; raise on a failed one."""
    rows: dict[str, list[dict[str, Any]]] = {}
    names = list(commands)
    for start in range(0, len(names), MAX_BATCH_COMMANDS):
        chunk = {
            name: commands[name] for name in names[start : start + MAX_BATCH_COMMANDS]
        }
        pages, errors, more = _first_pages(client, chunk)
        for error in errors.values():
            raise _command_failure(error)
        rows.update(pages)
        for name, extra in _follow_pages(client, more, max_pages).items():
            rows[name].extend(extra)
    return rows


def _first_pages(
    client: Bitrix24Client, commands: Mapping[str, dict[str, Any]]
) -> tuple[
    dict[str, list[dict[str, Any]]], dict[str, CommandError], dict[str, dict[str, Any]]
]:
    """Run one batch; return its pages, errors and the commands to continue."""
    outcome = client.batch(
        {name: (_LIST_METHOD, params) for name, params in commands.items()}
    )
    pages: dict[str, list[dict[str, Any]]] = {}
    more: dict[str, dict[str, Any]] = {}
    for name, params in commands.items():
        if name in outcome.errors:
            continue
        pages[name] = rows_of(_LIST_METHOD, outcome.results.get(name, []))
        next_start = outcome.nexts.get(name)
        if next_start is not None and len(pages[name]) >= PAGE_SIZE:
            more[name] = {**params, "start": next_start}
    return pages, dict(outcome.errors), more


def _follow_pages(
    client: Bitrix24Client, pending: Mapping[str, dict[str, Any]], max_pages: int | None
) -> dict[str, list[dict[str, Any]]]:
    """Read the remaining pages of list commands, 50 commands per batch."""
    collected: dict[str, list[dict[str, Any]]] = {name: [] for name in pending}
    pages_read = 1
    while pending:
        if max_pages is not None and pages_read >= max_pages:
            log.warning(
                "Stopped reading %d list commands after %d pages each",
                len(pending),
                pages_read,
            )
            break
        next_pending: dict[str, dict[str, Any]] = {}
        names = list(pending)
        for start in range(0, len(names), MAX_BATCH_COMMANDS):
            chunk = {
                name: pending[name]
                for name in names[start : start + MAX_BATCH_COMMANDS]
            }
            pages, errors, more = _first_pages(client, chunk)
            for error in errors.values():
                raise _command_failure(error)
            for name, rows in pages.items():
                collected[name].extend(rows)
            next_pending.update(
                {
                    name: params
                    for name, params in more.items()
                    if params["start"] > pending[name]["start"]
                }
            )
        pending = next_pending
        pages_read += 1
    return collected


def _has_unrequested_rows(
    rows: Iterable[Mapping[str, Any]], code: str, requested: Sequence[str]
) -> bool:
    """Tell whether a filter was ignored: a row has a number not requested.

    Case is ignored here because the portal's database may compare without
    case; such rows are still dropped later by the exact comparison.
    """
    folded = {number.casefold() for number in requested}
    return any(
        str(row.get(code) or "").strip().casefold() not in folded for row in rows
    )


def _keep_matching(
    fields: ResolvedDealFields,
    rows: Iterable[Mapping[str, Any]],
    found: dict[str, dict[int, DealSnapshot]],
) -> None:
    """Add the rows whose trimmed number is one of the requested numbers."""
    codes = fields.codes
    for row in rows:
        raw_number = str(row.get(codes.document_number) or "")
        deals = found.get(raw_number.strip())
        if deals is None:
            continue
        deal_id = int(row["ID"])
        deals[deal_id] = DealSnapshot(
            id=deal_id,
            document_number=raw_number,
            payment_status_item=fields.decode_list_item(row.get(codes.payment_status)),
            realization_date=fields.decode_realization_date(
                row.get(codes.realization_date)
            ),
        )


def _command_failure(error: CommandError) -> Bitrix24Error:
    return Bitrix24Error(
        f"Bitrix24 deal lookup failed: {error}",
        code=error.code,
        description=error.description,
        method=error.method,
        transient=error.transient,
    )


def update_deals(
    client: Bitrix24Client,
    updates: Sequence[DealUpdate],
    on_batch_done: Callable[[dict[int, CommandError | None]], None],
) -> None:
    """Send ``crm.deal.update`` for each update, 50 per ``batch``.

    After each batch ``on_batch_done`` receives every deal ID of it with
    ``None`` for success or the ``CommandError`` (``.not_found`` for a
    deleted deal), so the caller can commit before the next batch.
    ``AccessDenied`` and ``PortalUnavailable`` propagate and leave the later
    batches unsent.
    """
    seen: set[int] = set()
    for update in updates:
        if update.deal_id in seen:
            raise ValueError(f"deal {update.deal_id} appears twice in one update run")
        if not update.fields:
            raise ValueError(f"update of deal {update.deal_id} has no fields")
        seen.add(update.deal_id)

    for start in range(0, len(updates), MAX_BATCH_COMMANDS):
        chunk = updates[start : start + MAX_BATCH_COMMANDS]
        on_batch_done(_update_batch(client, chunk))


def _update_batch(
    client: Bitrix24Client, chunk: Sequence[DealUpdate]
) -> dict[int, CommandError | None]:
    commands = {
        f"deal{update.deal_id}": (
            "crm.deal.update",
            {
                "id": update.deal_id,
                "fields": dict(update.fields),
                "params": {"REGISTER_SONET_EVENT": "N"},
            },
        )
        for update in chunk
    }
    outcome = client.batch(commands)
    results: dict[int, CommandError | None] = {}
    for update in chunk:
        name = f"deal{update.deal_id}"
        error = outcome.errors.get(name)
        if error is None and outcome.results.get(name) in (None, False):
            error = CommandError(
                name, "crm.deal.update", "", "the portal returned no result"
            )
        if error is not None:
            log.warning("Bitrix24 deal %d was not updated: %s", update.deal_id, error)
        results[update.deal_id] = error
    updated = sum(1 for error in results.values() if error is None)
    log.debug("Updated %d of %d deals in one batch", updated, len(chunk))
    return results
