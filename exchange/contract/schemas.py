"""Locate, load and compile the JSON Schemas of the exchange contract.

The schema files live in ``schemas/`` of a checkout; an installed wheel
carries them as the package ``exchange._schemas``. Each file is read once and
each validator is built once per process.
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema.validators
import jsonschema_rs
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from exchange import jsonio
from exchange.contract.enums import PackageKind

logger = logging.getLogger(__name__)

COMMON_FILE = "common.schema.json"
COMMON_REF_PREFIX = COMMON_FILE + "#/$defs/"
SCHEMA_FILES = {kind: f"{kind.value}.schema.json" for kind in PackageKind}


def _read_schema_text(name: str) -> bytes:
    try:
        resource = importlib.resources.files("exchange._schemas").joinpath(name)
        if resource.is_file():
            return resource.read_bytes()
    except ModuleNotFoundError:
        pass
    checkout_path = Path(__file__).resolve().parents[2] / "schemas" / name
    if not checkout_path.is_file():
        raise FileNotFoundError(
            f"schema {name} not found in the package exchange._schemas "
            f"nor in {checkout_path.parent}; reinstall the package"
        )
    return checkout_path.read_bytes()


@functools.cache
def load_schema(name: str) -> Mapping[str, Any]:
    """Load one schema file by name, e.g. ``orders.schema.json``."""
    schema: Mapping[str, Any] = jsonio.loads(_read_schema_text(name))
    return schema


def schema_for(kind: PackageKind) -> Mapping[str, Any]:
    """Return the schema of one package kind."""
    return load_schema(SCHEMA_FILES[kind])


def common_schema() -> Mapping[str, Any]:
    """Return the schema of the shared definitions."""
    return load_schema(COMMON_FILE)


@functools.cache
def _registry() -> Registry[Any]:
    common = common_schema()
    resource = Resource.from_contents(common, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(common["$id"], resource)
    return registry


@functools.cache
def _ecma_regex(pattern: str) -> re.Pattern[str]:
    # JSON Schema patterns are ECMA-262 regular expressions, where a final $
    # matches only at the end of the string; Python's $ also matches before
    # a final line break, so it becomes \Z.
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _ecma_pattern(
    validator: Any,
    pattern: str,
    instance: Any,
    schema: Mapping[str, Any],  # noqa: ARG001 (the keyword signature of jsonschema)
) -> Iterator[jsonschema.ValidationError]:
    if validator.is_type(instance, "string") and not _ecma_regex(pattern).search(
        instance
    ):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


_EcmaValidator = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    jsonschema.Draft202012Validator, {"pattern": _ecma_pattern}
)


@functools.cache
def detailed_validator(kind: PackageKind) -> Any:
    """Build the pure-Python validator that explains every violation."""
    return _EcmaValidator(
        schema_for(kind),
        registry=_registry(),
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


@functools.cache
def detailed_record_validator(kind: PackageKind, array_name: str) -> Any:
    """Build the pure-Python validator of one record of the main array."""
    schema = schema_for(kind)
    item_ref = schema["properties"][array_name]["items"]["$ref"]
    registry = _registry().with_resource(
        schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012)
    )
    return _EcmaValidator(
        {"$ref": schema["$id"] + item_ref},
        registry=registry,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


@functools.cache
def fast_validator(kind: PackageKind) -> Any:
    """Build the compiled validator used for the pass/fail check.

    jsonschema-rs checked a 100,000-order package in 0.08 s, where the
    pure-Python validator took 26 s (docs/benchmarks.md). When it fails,
    the detailed validator lists the violations. A parity test keeps the
    two in agreement.
    """
    common: Any = common_schema()
    registry = jsonschema_rs.Registry([(common["$id"], common)])
    schema: Any = schema_for(kind)
    return jsonschema_rs.Draft202012Validator(
        schema, registry=registry, validate_formats=True, offline=True
    )


def field_schema(kind: PackageKind, path: tuple[str | int, ...]) -> Mapping[str, Any]:
    """Return the property schema that describes the value at ``path``.

    ``$ref`` targets are merged under the property's own keywords, so the
    result carries the property's ``title`` and the referenced ``type``.
    Returns an empty mapping when the path leaves the schema.
    """
    root = schema_for(kind)
    current: Mapping[str, Any] = root
    for step in path:
        current = _resolve(root, current)
        if isinstance(step, int):
            current = current.get("items", {})
        else:
            current = current.get("properties", {}).get(step, {})
        if not current:
            return {}
    return _resolve(root, current)


def definition_name(schema: Mapping[str, Any]) -> str | None:
    """Return the name of the common definition a property schema refers to."""
    ref = schema.get("$ref", "")
    if isinstance(ref, str) and ref.startswith(COMMON_REF_PREFIX):
        return ref.removeprefix(COMMON_REF_PREFIX)
    return None


def _resolve(root: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(schema)
    ref = schema.get("$ref")
    in_common = False
    while isinstance(ref, str):
        if ref.startswith(COMMON_REF_PREFIX):
            name = ref.removeprefix(COMMON_REF_PREFIX)
            in_common = True
        elif ref.startswith("#/$defs/"):
            name = ref.removeprefix("#/$defs/")
            # A local reference inside common.schema.json points into that file.
            ref = COMMON_REF_PREFIX + name if in_common else ref
        else:
            break
        target = (common_schema() if in_common else root)["$defs"][name]
        merged = {**target, **merged, "$ref": ref}
        ref = target.get("$ref")
    return merged
