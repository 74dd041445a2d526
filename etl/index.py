"""Index generations behind the alias: creating, recognising, publishing and pruning them.

Documents live in generations ``ALIAS-YYYYmmddHHMMSS`` behind the alias searchers use. Each
generation is created with the mapping and settings of ``config/index_template.json`` and a
marker in its mapping's ``_meta`` (``managed_by``, ``alias``): the pipeline deletes, changes and
writes only indices that carry it, so an index that merely shares the name's prefix (daily
logs ``ALIAS-2026.01.01``) is never touched. No index template is installed, for the same
reason: a template on ``ALIAS-2*`` would also shape other people's indices.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from fnmatch import fnmatch
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from elasticsearch import BadRequestError

from etl.errors import NotOurs, PipelineError
from etl.settings import Settings

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

MANAGED_BY = "news-etl"
# Indices from before the marker: the name the pipeline gave them and its mapping version.
_LEGACY_NAME = r"-\d{14}(-\d+)?"


@lru_cache(maxsize=4)
def load_template(path: str) -> dict[str, Any]:
    """The ``template`` body (``settings``, ``mappings``) of a template file in ``config/``."""
    with Path(path).open(encoding="utf-8") as f:
        body = json.load(f)
    return dict(body["template"])


def template(settings: Settings) -> dict[str, Any]:
    """The documents' ``settings`` and ``mappings`` (``config/index_template.json``)."""
    return load_template(str(settings.path(settings.elasticsearch.template)))


def generation_pattern(alias: str) -> str:
    """What the alias's generations look like by name (only the marker makes one ours)."""
    return f"{alias}-2*"


def marker(alias: str, settings: Settings) -> dict[str, Any]:
    """The mapping ``_meta`` of the alias's generations: version and owner."""
    meta = dict(template(settings)["mappings"].get("_meta", {}))
    return {**meta, "managed_by": MANAGED_BY, "alias": alias}


def is_generation(name: str, meta: dict[str, Any], alias: str) -> bool:
    """Whether index ``name`` with mapping ``_meta`` is one of the alias's generations."""
    if meta.get("managed_by") == MANAGED_BY:
        return meta.get("alias") == alias
    # Made before the marker existed: the pipeline's own name and mapping version.
    legacy = re.fullmatch(re.escape(alias) + _LEGACY_NAME, name) is not None
    return legacy and "mapping_version" in meta


def _metas(es: Elasticsearch, pattern: str) -> dict[str, dict[str, Any]]:
    found = es.options(ignore_status=404).indices.get_mapping(
        index=pattern, expand_wildcards="open", allow_no_indices=True
    )
    return {
        name: body.get("mappings", {}).get("_meta", {}) or {}
        for name, body in dict(found).items()
        if isinstance(body, dict)
    }


def new_generation(
    es: Elasticsearch, alias: str, settings: Settings, *, with_alias: bool = False
) -> str:
    """Create an empty, marked generation named for the current UTC time.

    ``with_alias`` creates it with the alias in the same call (the first generation of an
    alias), so no one ever sees the alias without an index or an index half set up.
    """
    tpl = template(settings)
    mappings = {**tpl["mappings"], "_meta": marker(alias, settings)}
    base = f"{alias}-{datetime.now(UTC):%Y%m%d%H%M%S}"
    name, n = base, 1
    while True:
        try:
            es.indices.create(
                index=name,
                settings=tpl.get("settings"),
                mappings=mappings,
                aliases={alias: {}} if with_alias else None,
            )
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


def check_owned(es: Elasticsearch, alias: str) -> str | None:
    """The generation behind the alias, refusing an alias that is not the pipeline's.

    Refused, before anything is written: an alias on an index the pipeline did not create, and
    a name that is a concrete index rather than an alias.
    """
    current = current_index(es, alias)
    if current is None:
        if es.indices.exists(index=alias):
            raise NotOurs(f"{alias} is a concrete index, not an alias; pick another --index")
        return None
    meta = _metas(es, current).get(current, {})
    if not is_generation(current, meta, alias):
        raise NotOurs(
            f"alias {alias} points at {current}, which news-etl did not create; "
            "refusing to write to it (pick another --index)"
        )
    return current


def ensure_alias(es: Elasticsearch, alias: str, settings: Settings) -> str:
    """The generation behind the alias, creating the first one (with the alias) when none."""
    current = check_owned(es, alias)
    if current is not None:
        return current
    return new_generation(es, alias, settings, with_alias=True)


def swap_alias(es: Elasticsearch, alias: str, new_index: str) -> None:
    """Point the alias at ``new_index`` in one atomic ``_aliases`` call.

    The alias is removed from every ``ALIAS-2*`` index by pattern inside the same call (not
    only from a list read earlier), so even two runs swapping at once leave exactly one index
    behind it. That removes only the alias itself, never touches an index's data.
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
    """The alias's own generations, oldest first (the timestamped names sort by age)."""
    metas = _metas(es, generation_pattern(alias))
    return sorted(name for name, meta in metas.items() if is_generation(name, meta, alias))


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


def publish_generation(
    es: Elasticsearch, alias: str, name: str, *, expected: int, keep: int
) -> None:
    """Swap the alias to a full run's generation, only when it holds everything loaded.

    Then older generations beyond ``keep`` are deleted. An empty rebuild never replaces an
    alias that has documents (an empty or unmounted input folder must not wipe the index).
    """
    es.indices.refresh(index=name)
    have = int(es.count(index=name)["count"])
    if have != expected:
        raise PipelineError(
            f"new index {name} holds {have} documents, expected {expected}; "
            f"alias {alias} left unchanged"
        )
    previous = current_index(es, alias)
    if have == 0 and previous not in (None, name) and int(es.count(index=alias)["count"]) > 0:
        raise PipelineError(f"full rebuild produced no documents; alias {alias} left on {previous}")
    swap_alias(es, alias, name)
    prune_generations(es, alias, keep, previous=previous)


def delete_unpublished(es: Elasticsearch, alias: str, name: str) -> bool:
    """Drop a generation a failed full run left behind, unless the alias points at it."""
    if name == current_index(es, alias) or name not in generations(es, alias):
        return False
    es.options(ignore_status=404).indices.delete(index=name)
    return True


def sync_mapping(es: Elasticsearch, name: str, alias: str, settings: Settings) -> None:
    """Bring an existing generation up to the template's mapping (incremental runs).

    New fields are added in place; a change Elasticsearch cannot apply (a field's type) needs a
    full rebuild, and the run stops saying so instead of quarantining every document.
    """
    mappings = template(settings)["mappings"]
    want = marker(alias, settings)
    have = es.indices.get_mapping(index=name)[name]["mappings"].get("_meta", {})
    if have == want:
        return
    try:
        es.indices.put_mapping(index=name, properties=mappings["properties"], meta=want)
    except BadRequestError as e:
        raise PipelineError(
            f"{name} has mapping version {have.get('mapping_version')} and the template "
            f"{want.get('mapping_version')}, which cannot be applied in place ({e.message}); "
            "run with --mode full"
        ) from e
