"""Small search indices for tests: documents shaped by the index contract, and their cleanup.

Shared by the integration tests of ``etl search`` and the browser tests of the plugin page, so
both search an index built the same way from ``config/index_template.json``.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def search_doc(
    title: str, body: str, day: str, source: str, persons: list[str], **more: Any
) -> dict[str, Any]:
    """A document as the pipeline writes it; ``language`` defaults to en, the rest are entities."""
    return {
        "title": title,
        "body": body,
        "published_at": day,
        "language": more.pop("language", "en"),
        "source": {"name": source},
        "entities": {"persons": persons, **more},
    }


def template(name: str) -> dict[str, Any]:
    """The ``template`` part of an index template in ``config/``."""
    return json.loads((ROOT / "config" / name).read_text())["template"]


def create_index(es: Any, alias: str, docs: list[dict[str, Any]]) -> str:
    """A concrete index from the index contract behind ``alias``, with ``docs`` loaded."""
    tpl = template("index_template.json")
    name = f"{alias}-000001"
    es.indices.create(
        index=name, settings=tpl["settings"], mappings=tpl["mappings"], aliases={alias: {}}
    )
    for i, doc in enumerate(docs):
        es.index(index=name, id=f"doc-{i}", document=doc)
    es.indices.refresh(index=name)
    return name


def drop_alias(es: Any, alias: str) -> None:
    """Delete every index behind ``alias`` and ``alias-*`` (explicit names: no wildcard delete)."""
    names: set[str] = set()
    for pattern in (alias, f"{alias}-*"):
        with contextlib.suppress(Exception):  # nothing there
            names.update(es.indices.get(index=pattern, expand_wildcards="all").body)
    for name in sorted(names):
        es.indices.delete(index=name, ignore_unavailable=True)
