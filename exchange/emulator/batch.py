"""The ``batch`` method: run up to 50 commands in one request.

Each command is ``"method?query"`` with the query parsed like PHP
``parse_str``. A value that is exactly ``$result[name][key]...`` takes the
value at that path of an earlier command's result; a reference inside a
longer text is replaced by the text of the value. References to missing
results are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from exchange.emulator.errors import MethodError
from exchange.emulator.params import merge_top_level, parse_query, php_array

MAX_COMMANDS = 50

_REFERENCE = re.compile(r"\$result\[([^\]]+)\]((?:\[[^\]]*\])*)")
_SEGMENT = re.compile(r"\[([^\]]*)\]")

Execute = Callable[[str, dict[str, Any]], dict[str, Any]]


def split_command(command: str) -> tuple[str, dict[str, Any]]:
    """Split ``"crm.deal.get?id=1"`` into the lower-cased method and params."""
    method, _, query = command.partition("?")
    method = method.strip().lower().removesuffix(".json")
    return method, merge_top_level(parse_query(query))


def run_batch(params: dict[str, Any], execute: Execute) -> dict[str, Any]:
    """Run the commands of a batch and return its ``result`` object.

    ``execute(method, params)`` returns a command's answer body or raises
    :class:`MethodError`. With ``halt`` set, the first failed command ends
    the batch; commands past the 50th fail without running.
    """
    halt = str(params.get("halt", "0")).strip().lower() in {"1", "true", "y"}
    results: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    totals: dict[str, Any] = {}
    pages: dict[str, Any] = {}
    times: dict[str, Any] = {}
    for position, (name, command) in enumerate(_commands(params.get("cmd"))):
        if position >= MAX_COMMANDS:
            errors[name] = {
                "error": "ERROR_BATCH_LENGTH_EXCEEDED",
                "error_description": f"Max batch length exceeded {MAX_COMMANDS}",
            }
            continue
        method, command_params = split_command(str(command))
        command_params = _substitute(command_params, results)
        try:
            answer = execute(method, command_params)
        except MethodError as error:
            errors[name] = error.body()
            if halt:
                break
            continue
        results[name] = answer["result"]
        if "total" in answer:
            totals[name] = answer["total"]
        if "next" in answer:
            pages[name] = answer["next"]
        times[name] = answer["time"]
    return {
        "result": php_array(results),
        "result_error": php_array(errors),
        "result_total": php_array(totals),
        "result_next": php_array(pages),
        "result_time": php_array(times),
    }


def _commands(raw: Any) -> list[tuple[str, Any]]:
    if isinstance(raw, dict):
        return [(str(name), command) for name, command in raw.items()]
    if isinstance(raw, list):
        return [(str(index), command) for index, command in enumerate(raw)]
    return []


def _substitute(value: Any, results: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {key: _substitute(item, results) for key, item in value.items()}
    if not isinstance(value, str) or "$result[" not in value:
        return value
    whole = _REFERENCE.fullmatch(value)
    if whole is not None:
        found, resolved = _resolve(whole, results)
        return resolved if found else value

    def replace(match: re.Match[str]) -> str:
        found, resolved = _resolve(match, results)
        return (
            str(resolved)
            if found and not isinstance(resolved, (dict, list))
            else match.group(0)
        )

    return _REFERENCE.sub(replace, value)


def _resolve(match: re.Match[str], results: dict[str, Any]) -> tuple[bool, Any]:
    name = match.group(1)
    if name not in results:
        return False, None
    current = results[name]
    for key in _SEGMENT.findall(match.group(2)):
        if isinstance(current, dict) and key in current:
            current = current[key]
        elif isinstance(current, list) and key.isdigit() and int(key) < len(current):
            current = current[int(key)]
        else:
            return False, None
    return True, current
