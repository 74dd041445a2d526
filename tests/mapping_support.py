"""Elasticsearch mappings and documents as flat dotted paths, for tests that compare them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def mapping_fields(
    properties: dict[str, Any], *, subfields: bool = False, prefix: str = ""
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every field of a mapping as (dotted path, its spec), an object before its own fields.

    With ``subfields``, multi-fields follow their field too (``title.keyword``).
    """
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        yield path, spec
        if "properties" in spec:
            yield from mapping_fields(spec["properties"], subfields=subfields, prefix=f"{path}.")
        if subfields:
            for sub, subspec in (spec.get("fields") or {}).items():
                yield f"{path}.{sub}", subspec


def mapping_paths(properties: dict[str, Any]) -> set[str]:
    """Every dotted path a mapping declares, objects included."""
    return {path for path, _ in mapping_fields(properties)}


def leaf_types(properties: dict[str, Any], *, subfields: bool = False) -> dict[str, str]:
    """Dotted path -> type of each field that is not an object."""
    return {
        path: spec["type"]
        for path, spec in mapping_fields(properties, subfields=subfields)
        if "properties" not in spec
    }


# Field types whose values are JSON objects but one value each (a geo_point as {lat, lon}).
OBJECT_VALUED = frozenset({"geo_point", "geo_shape"})


def object_valued(properties: dict[str, Any]) -> frozenset[str]:
    """Dotted paths of a mapping whose values are objects that are one value (geo_point)."""
    return frozenset(
        path for path, spec in mapping_fields(properties) if spec.get("type") in OBJECT_VALUED
    )


def document_leaves(
    doc: dict[str, Any], prefix: str = "", *, atomic: frozenset[str] = frozenset()
) -> Iterator[tuple[str, Any]]:
    """(dotted path, value) of each value of a document that is not an object; lists unrolled.

    Objects at an ``atomic`` path (see :func:`object_valued`) are values, not objects.
    """
    for key, value in doc.items():
        path = f"{prefix}{key}"
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and path not in atomic:
                yield from document_leaves(item, f"{path}.", atomic=atomic)
            else:
                yield path, item


def document_paths(
    doc: dict[str, Any], prefix: str = "", *, atomic: frozenset[str] = frozenset()
) -> set[str]:
    """Every dotted path a document uses, objects included (objects in lists too); objects
    at an ``atomic`` path are values, not objects."""
    out = set()
    for key, value in doc.items():
        path = f"{prefix}{key}"
        out.add(path)
        if path in atomic:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                out |= document_paths(item, f"{path}.", atomic=atomic)
    return out
