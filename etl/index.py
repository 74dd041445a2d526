"""Index templates, generations behind the alias, atomic swaps and run records.

Documents live in generations ``ALIAS-YYYYmmddHHMMSS`` behind the alias searchers use; run
records live in ``ALIAS-runs``. The generation pattern ``ALIAS-2*`` keeps the two apart.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from fnmatch import fnmatch
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from elasticsearch import BadRequestError

from etl.errors import PipelineError, UsageError
from etl.settings import Settings, get_settings

RUNS_TEMPLATE = "config/runs_template.json"

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


def new_generation(es: Elasticsearch, alias: str, settings: Settings | None = None) -> str:
    """Create an empty generation named for the current UTC time.

    The mapping is also given explicitly, so the generation is strict even if some other
    template with a higher priority matched its name.
    """
    settings = settings or get_settings()
    tpl = _template(str(settings.path(settings.elasticsearch.template)))
    base = f"{alias}-{datetime.now(UTC):%Y%m%d%H%M%S}"
    name, n = base, 1
    while True:
        try:
            es.indices.create(index=name, mappings=tpl["mappings"])
            return name
        except BadRequestError as e:
            # Another run (or this one, within the same second) took the name: next suffix.
            if e.error != "resource_already_exists_exception":
                raise
        n += 1
        name = f"{base}-{n}"


def current_index(es: Elasticsearch, alias: str) -> str | None:
    """The concrete index behind the alias, or None."""
    if not es.indices.exists_alias(name=alias):
        return None
    names = sorted(es.indices.get_alias(name=alias))
    return names[-1] if names else None


def ensure_alias(es: Elasticsearch, alias: str, settings: Settings | None = None) -> str:
    """The index behind the alias, creating the first generation when there is none."""
    current = current_index(es, alias)
    if current is not None:
        return current
    if es.indices.exists(index=alias):
        raise UsageError(f"{alias} is a concrete index, not an alias; pick another --index")
    name = new_generation(es, alias, settings)
    es.indices.put_alias(index=name, name=alias)
    return name


def swap_alias(es: Elasticsearch, alias: str, new_index: str) -> None:
    """Point the alias at ``new_index`` in one atomic ``_aliases`` call.

    The alias is removed from every generation by pattern inside the same call (not from a list
    read earlier), so even two runs swapping at once leave exactly one index behind it.
    """
    pattern = generation_pattern(alias)
    held: Any = es.indices.get_alias(name=alias) if es.indices.exists_alias(name=alias) else {}
    actions: list[dict[str, Any]] = [
        {"remove": {"index": pattern, "alias": alias, "must_exist": False}},
        # Anything outside the pattern (set up by hand) is detached too.
        *(
            {"remove": {"index": other, "alias": alias}}
            for other in held
            if other != new_index and not fnmatch(other, pattern)
        ),
        {"add": {"index": new_index, "alias": alias}},
    ]
    es.indices.update_aliases(actions=actions)


def generations(es: Elasticsearch, alias: str) -> list[str]:
    """The alias's concrete generations, oldest first (the timestamped names sort by age)."""
    return sorted(es.indices.get(index=generation_pattern(alias), expand_wildcards="open"))


def select_doomed(names: list[str], *, current: str, previous: str | None, keep: int) -> list[str]:
    """Which generations to delete once ``current`` is behind the alias.

    Kept: ``current`` and the newest ``keep - 1`` generations up to ``previous`` (the one the
    alias pointed at before), i.e. published ones a rollback could use. Generations between
    ``previous`` and ``current`` were never published (a full run that failed) and go too.
    """
    older = [n for n in names if n < current]
    published = [n for n in older if previous is None or n <= previous]
    orphans = [n for n in older if n not in published]
    keep_older = max(0, keep - 1)
    return published[: max(0, len(published) - keep_older)] + orphans


def prune_generations(
    es: Elasticsearch, alias: str, keep: int, *, previous: str | None = None
) -> list[str]:
    """Delete generations beyond ``keep`` (see :func:`select_doomed`); never the current one."""
    current = current_index(es, alias)
    if current is None:
        return []
    doomed = select_doomed(generations(es, alias), current=current, previous=previous, keep=keep)
    for name in doomed:
        es.indices.delete(index=name)
    return doomed


def delete_unpublished(es: Elasticsearch, alias: str, name: str) -> bool:
    """Drop a generation a failed full run left behind, unless the alias points at it."""
    if name == current_index(es, alias) or not name.startswith(f"{alias}-"):
        return False
    es.options(ignore_status=404).indices.delete(index=name)
    return True


def sync_mapping(es: Elasticsearch, name: str, settings: Settings) -> None:
    """Bring an existing generation up to the template's mapping (incremental runs).

    New fields are added in place; a change Elasticsearch cannot apply (a field's type) needs a
    full rebuild, and the run stops saying so instead of quarantining every document.
    """
    mappings = _template(str(settings.path(settings.elasticsearch.template)))["mappings"]
    want = mappings.get("_meta", {}).get("mapping_version")
    have = es.indices.get_mapping(index=name)[name]["mappings"].get("_meta", {})
    if want is None or have.get("mapping_version") == want:
        return
    try:
        es.indices.put_mapping(
            index=name, properties=mappings["properties"], meta=mappings.get("_meta")
        )
    except BadRequestError as e:
        raise PipelineError(
            f"{name} has mapping version {have.get('mapping_version')} and the template "
            f"{want}, which cannot be applied in place ({e.message}); run with --mode full"
        ) from e


def ensure_runs_index(es: Elasticsearch, alias: str, settings: Settings | None = None) -> str:
    """Create ``ALIAS-runs`` with its strict mapping, or add fields the template gained since."""
    settings = settings or get_settings()
    name = runs_index(alias)
    tpl = _template(str(settings.path(RUNS_TEMPLATE)))
    if not es.indices.exists(index=name):
        try:
            es.indices.create(index=name, settings=tpl.get("settings"), mappings=tpl["mappings"])
            return name
        except BadRequestError as e:
            if e.error != "resource_already_exists_exception":  # another run was first: fine
                raise
    es.indices.put_mapping(index=name, properties=tpl["mappings"]["properties"])
    return name


def write_run_record(
    es: Elasticsearch, alias: str, record: dict[str, Any], settings: Settings | None = None
) -> None:
    """Store a run record under its run id, visible to searches at once."""
    name = ensure_runs_index(es, alias, settings)
    es.index(index=name, id=record["run_id"], document=record, refresh="wait_for")
