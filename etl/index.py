"""Index templates, generations behind the alias, atomic swaps and run records.

Documents live in generations ``ALIAS-YYYYmmddHHMMSS`` behind the alias searchers use; run
records live in ``ALIAS-runs``. The generation pattern ``ALIAS-2*`` keeps the two apart.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from etl.settings import Settings, get_settings

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch


@lru_cache(maxsize=4)
def _template(path: str) -> dict[str, Any]:
    with Path(path).open(encoding="utf-8") as f:
        body = json.load(f)
    body.pop("_comment", None)
    return dict(body["template"])


def generation_pattern(alias: str) -> str:
    """Index pattern of the alias's generations (years 2000-2999, never ``ALIAS-runs``)."""
    return f"{alias}-2*"


def runs_index(alias: str) -> str:
    return f"{alias}-runs"


def apply_templates(es: Elasticsearch, alias: str, settings: Settings | None = None) -> None:
    """Install the documents template for the alias's generations (idempotent)."""
    settings = settings or get_settings()
    tpl = _template(str(settings.path(settings.elasticsearch.template)))
    es.indices.put_index_template(
        name=f"{alias}-docs",
        index_patterns=[generation_pattern(alias)],
        template=tpl,
        priority=200,
        meta={"managed_by": "news-etl"},
    )


def new_generation(es: Elasticsearch, alias: str) -> str:
    """Create an empty generation named for the current UTC time."""
    base = f"{alias}-{datetime.now(UTC):%Y%m%d%H%M%S}"
    name, n = base, 1
    while es.indices.exists(index=name):
        n += 1
        name = f"{base}-{n}"
    es.indices.create(index=name)
    return name


def current_index(es: Elasticsearch, alias: str) -> str | None:
    """The concrete index behind the alias, or None."""
    if not es.indices.exists_alias(name=alias):
        return None
    names = sorted(es.indices.get_alias(name=alias))
    return names[-1] if names else None


def ensure_alias(es: Elasticsearch, alias: str) -> str:
    """The index behind the alias, creating the first generation when there is none."""
    current = current_index(es, alias)
    if current is not None:
        return current
    if es.indices.exists(index=alias):
        raise ValueError(f"{alias} is a concrete index, not an alias; pick another --index")
    name = new_generation(es, alias)
    es.indices.put_alias(index=name, name=alias)
    return name


def swap_alias(es: Elasticsearch, alias: str, new_index: str) -> None:
    """Point the alias at ``new_index`` in one atomic ``_aliases`` call."""
    actions: list[dict[str, Any]] = [
        {"remove": {"index": old, "alias": alias}}
        for old in (es.indices.get_alias(name=alias) if es.indices.exists_alias(name=alias) else {})
        if old != new_index
    ]
    actions.append({"add": {"index": new_index, "alias": alias}})
    es.indices.update_aliases(actions=actions)


def prune_generations(es: Elasticsearch, alias: str, keep: int) -> list[str]:
    """Delete the oldest generations beyond ``keep``; never the one behind the alias."""
    current = current_index(es, alias)
    names = sorted(es.indices.get(index=generation_pattern(alias), expand_wildcards="open"))
    older = [n for n in names if n != current]
    doomed = older[: max(0, len(older) - max(0, keep - 1))]
    for name in doomed:
        es.indices.delete(index=name)
    return doomed


def ensure_runs_index(es: Elasticsearch, alias: str, settings: Settings | None = None) -> str:
    """Create ``ALIAS-runs`` with its strict mapping if it is missing."""
    settings = settings or get_settings()
    name = runs_index(alias)
    if not es.indices.exists(index=name):
        tpl = _template(str(settings.path("config/runs_template.json")))
        es.indices.create(index=name, settings=tpl.get("settings"), mappings=tpl["mappings"])
    return name


def write_run_record(es: Elasticsearch, alias: str, record: dict[str, Any]) -> None:
    """Store a run record under its run id, visible to searches at once."""
    name = ensure_runs_index(es, alias)
    es.index(index=name, id=record["run_id"], document=record, refresh="wait_for")
