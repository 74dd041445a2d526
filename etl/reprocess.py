"""Entities re-derived from what is stored, without the raw files: the curation pass.

After a run's file batches are loaded, the documents whose ``pipeline.entities`` fingerprint
is stale (an alias-table edit, a new model) are found with one query and staged in batches
like any other work, with their stored ``_source``. Processing such a batch needs no
Elasticsearch and no raw file:

- ``pipeline.ner`` still current: the stored model spans (``ner_spans``) are re-canonicalised
  with the current alias table, a pure function that costs milliseconds a document;
- the model changed, or the document predates stored spans: NER runs again on the stored title
  and body (counted as ``ner``).

The same pass merges one person's variants across the index (:mod:`etl.merges`): the plan
computes the merge map from the index's person values once the run's file batches are loaded,
and also stages the documents a change of that map moves (stage ``merges``); every re-derived
document gets the map applied after canonicalisation. The map is computed before this pass
re-derives the documents an alias-table edit touched: a value that only the edit creates is
merged (or un-merges others) on the next run; one the edited table knows is left alone at once.

Rows are loaded by the ordinary loader and counted as ``reprocessed`` with the stage named.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import yaml
from elasticsearch import helpers

from etl import merges as mg
from etl import staging as stg
from etl.batching import cut
from etl.context import RunContext
from etl.documents import with_entities
from etl.entities import (
    GAZETTEER,
    add_entities,
    check_switches,
    entities_from_mentions,
    gazetteer_entities,
    ner_text,
)
from etl.fingerprints import Fingerprints, fingerprints
from etl.gazetteer import AliasTable, load_alias_table
from etl.load import apply
from etl.mentions import Mention
from etl.records import Article, Entities, Quarantine, SourceInfo
from etl.runs import runs_index
from etl.settings import Settings
from etl.staging import StagingLayout
from etl.stats import BatchStats

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

log = logging.getLogger(__name__)

_SCAN_PAGE = 500  # documents per scroll page while staging stale documents
SNAPSHOT = "alias-table-"  # id prefix of alias-table snapshots in ALIAS-runs
MAX_EDITED_STRINGS = 500  # a larger edit re-derives every stale document
_NONE = "-"  # documents made before fingerprints
_FACETS = ("persons", "organizations", "locations", "other")


@dataclass(frozen=True)
class Stored:
    """One stored document to re-derive: its id and ``_source``."""

    id: str
    source: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source}


def stale_query(stages: Fingerprints) -> dict[str, Any]:
    """Documents whose entities were made with another alias table, model or code."""
    return {"bool": {"must_not": [{"term": {"pipeline.entities": stages.entities}}]}}


def save_alias_table(es: Elasticsearch, alias: str, settings: Settings) -> None:
    """Keep the alias table this run's documents are made with, under its fingerprint, in
    ``ALIAS-runs``: a later edit is diffed against it to find the documents it affects."""
    fp = fingerprints(settings).entities
    text = settings.path(settings.entities.aliases).read_text(encoding="utf-8")
    doc = {"alias_table": {"fingerprint": fp, "yaml": text}}
    es.options(ignore_status=409).create(index=runs_index(alias), id=SNAPSHOT + fp, document=doc)


def changed_strings(old_yaml: str, new_yaml: str) -> set[str]:
    """Names and aliases of every entry an edit added, removed or changed, and the strings
    that joined or left the ignore list: a document can only change if it mentions one."""
    (old, old_ignore), (new, new_ignore) = _entries(old_yaml), _entries(new_yaml)
    strings = set(old_ignore ^ new_ignore)
    for name, _, aliases, _, _ in old ^ new:
        strings.add(name)
        strings.update(aliases)
    return {x for x in strings if x.strip()}


# name, type, aliases, country, point
_Entry = tuple[str, str, tuple[str, ...], str, str]


def _entries(text: str) -> tuple[set[_Entry], set[str]]:
    data = yaml.safe_load(text) or {}
    entries = {
        (
            str(e.get("name")),
            str(e.get("type")),
            tuple(sorted(str(a) for a in e.get("aliases") or ())),
            str(e.get("country")),  # a place's country or point changes its documents' geo
            str(e.get("point")),
        )
        for e in data.get("entities") or []
        if isinstance(e, dict)
    }
    return entries, {str(x) for x in data.get("ignore") or ()}


def affected_query(
    es: Elasticsearch, alias: str, index: str, settings: Settings
) -> dict[str, Any] | None:
    """The stale documents an alias-table edit can change: those mentioning (in a facet, the
    title or the body) a name or alias of an edited entry, plus those needing NER again.
    None when every stale document must be re-derived (no snapshot of their table, or an
    edit too large to list)."""
    stages = fingerprints(settings)
    agg = {"terms": {"field": "pipeline.entities", "size": 20, "missing": _NONE}}
    resp = es.search(index=index, size=0, query=stale_query(stages), aggs={"fp": agg})
    olds = [b["key"] for b in resp["aggregations"]["fp"]["buckets"]]
    now = settings.path(settings.entities.aliases).read_text(encoding="utf-8")
    strings: set[str] = set()
    for fp in olds:
        snap = es.options(ignore_status=404).get(index=runs_index(alias), id=SNAPSHOT + fp)
        if fp == _NONE or not snap.get("found"):
            return None
        strings |= changed_strings(snap["_source"]["alias_table"]["yaml"], now)
    if len(strings) > MAX_EDITED_STRINGS:
        return None
    should: list[dict[str, Any]] = [{"bool": {"must_not": {"term": {"pipeline.ner": stages.ner}}}}]
    if strings:
        names = sorted(strings)
        should += [{"terms": {f"entities.{f}": names}} for f in _FACETS]
        should += [{"match_phrase": {f: x}} for x in names for f in ("title", "body")]
    return {"bool": {"should": should, "minimum_should_match": 1}}


def count_stale(es: Elasticsearch, index: str, settings: Settings, alias: str) -> int:
    """How many documents the pass would re-derive (for ``--dry-run``)."""
    query = stale_query(fingerprints(settings))
    if (affected := affected_query(es, alias, index, settings)) is not None:
        query = {"bool": {"filter": [query, affected]}}
    return int(es.count(index=index, query=query)["count"])


def plan(es: Elasticsearch, ctx: RunContext, settings: Settings, *, max_docs: int) -> list[str]:
    """Stage the stale documents an edit can change, in batches of at most ``max_docs``, and
    bring the others' fingerprints up to date in place; return the batches.

    Streams: one scroll page and one batch in memory at a time.
    """
    if ctx.target_index is None:
        return []
    es.indices.refresh(index=ctx.target_index)
    stages = fingerprints(settings)
    query = stale_query(stages)
    affected = affected_query(es, ctx.alias, ctx.target_index, settings)
    if affected is not None:
        untouched = {"bool": {"filter": [query], "must_not": [affected]}}
        n = _refresh_fingerprints(es, ctx.target_index, untouched, stages)
        log.info("entities: %d documents untouched by the alias-table edit, fingerprint updated", n)
        query = {"bool": {"filter": [query, affected]}}
    if (moved := plan_merges(es, ctx, settings)) is not None:
        query = {"bool": {"should": [query, moved], "minimum_should_match": 1}}
    layout = StagingLayout(ctx.staging)
    hits = helpers.scan(es, index=ctx.target_index, query={"query": query}, size=_SCAN_PAGE)
    batches: list[str] = []
    stored = (Stored(h["_id"], h["_source"]) for h in hits)
    for batch in cut(stored, max_docs=max_docs, chars=lambda s: len(s.source.get("body", ""))):
        loc = layout.reprocess_manifest(len(batches))
        stg.write_jsonl(loc, (s.to_json() for s in batch))
        batches.append(loc)
    return batches


def _refresh_fingerprints(
    es: Elasticsearch, index: str, query: dict[str, Any], stages: Fingerprints
) -> int:
    """Set the current entities fingerprint on documents an edit cannot change."""
    change = {"doc": {"pipeline": {"entities": stages.entities}}}
    return _update_matching(es, index, query, change, "update the entities fingerprint of")


def _update_matching(
    es: Elasticsearch, index: str, query: dict[str, Any], change: dict[str, Any], what: str
) -> int:
    """Apply one partial update (``doc`` or ``script``) to every document ``query`` matches,
    without reading their sources; the number updated."""
    hits = helpers.scan(es, index=index, query={"query": query}, _source=False)
    actions = ({"_op_type": "update", "_index": index, "_id": h["_id"], **change} for h in hits)
    return apply(es, actions, what)


@dataclass(frozen=True)
class MergePlan:
    """The person merge map the index calls for now, and the union of those its documents
    were made with (None when one of them is not kept)."""

    merges: dict[str, str]
    old: dict[str, str] | None

    @property
    def fingerprint(self) -> str | None:
        return mg.map_fingerprint(self.merges)

    def _other(self) -> dict[str, Any]:
        # Made with another map; a document without the field was made with none.
        fp = self.fingerprint
        if fp:
            return {"bool": {"must_not": [{"term": {mg.FIELD: fp}}]}}
        return {"exists": {"field": mg.FIELD}}

    def _holding(self) -> dict[str, Any] | None:
        names = sorted(mg.names_of(self.old or {}, self.merges))
        return {"terms": {"entities.persons": names}} if names else None

    def moved(self) -> dict[str, Any] | None:
        """The documents the change of map can move: made with another map and holding a
        variant or target of either (None: none)."""
        if self.old is None:
            return self._other()  # an earlier map is not kept: re-derive everything it made
        holding = self._holding()
        return {"bool": {"filter": [self._other(), holding]}} if holding else None

    def unmoved(self) -> dict[str, Any] | None:
        """Documents made with an old map that hold none of the names: only their
        ``pipeline.merges`` is out of date."""
        holding = self._holding()
        if self.old is None or holding is None:
            return None
        made = [self._other()]
        if self.fingerprint:  # without a map, "another map" already means "a map"
            made.append({"exists": {"field": mg.FIELD}})
        return {"bool": {"filter": made, "must_not": [holding]}}


def merge_plan(es: Elasticsearch, alias: str, index: str, settings: Settings) -> MergePlan:
    """The merge map from the index's person values (read only).

    The index holds merged values: a variant an earlier map merged away is seen again through
    that map (:func:`etl.merges.unmerged`), so a new third variant can undo the merge.
    """
    old = mg.old_maps(es, alias, mg.recorded(es, index))
    new: dict[str, str] = {}
    if settings.entities.merge_middle_names:
        values = mg.unmerged(dict(mg.corpus_persons(es, index)), old or {})
        new = mg.merge_map(values, load_alias_table(settings.path(settings.entities.aliases)))
    return MergePlan(new, old)


def plan_merges(es: Elasticsearch, ctx: RunContext, settings: Settings) -> dict[str, Any] | None:
    """Compute the merge map from the index (the run's new documents loaded already), keep it
    in ``ALIAS-runs`` and in the run's staging for the re-derivation; return the query of the
    documents it moves, after bringing the others' ``pipeline.merges`` up to date."""
    assert ctx.target_index is not None
    found = merge_plan(es, ctx.alias, ctx.target_index, settings)
    mg.save_map(es, ctx.alias, found.merges)
    mg.write_staged(ctx.staging, found.merges)
    fp = found.fingerprint
    log.info("merges: %d person variants merged (map %s)", len(found.merges), fp or "empty")
    if (unmoved := found.unmoved()) is not None:
        n = _refresh_merges(es, ctx.target_index, unmoved, fp)
        log.info("merges: %d documents the map change cannot move, fingerprint updated", n)
    return found.moved()


def count_merges(es: Elasticsearch, index: str, settings: Settings, alias: str) -> int:
    """How many indexed documents the merge pass would rewrite (for ``--dry-run``)."""
    moved = merge_plan(es, alias, index, settings).moved()
    return int(es.count(index=index, query=moved)["count"]) if moved is not None else 0


def _refresh_merges(es: Elasticsearch, index: str, query: dict[str, Any], fp: str | None) -> int:
    """Set (or, for no map, remove) ``pipeline.merges`` on documents a map change cannot move."""
    source = (
        "if (params.fp == null) { ctx._source.pipeline.remove('merges') } "
        "else { ctx._source.pipeline.merges = params.fp }"
    )
    script = {"source": source, "lang": "painless", "params": {"fp": fp}}
    return _update_matching(
        es, index, query, {"script": script}, "update the merges fingerprint of"
    )


def stored_docs(batch_uri: str) -> Iterator[Stored]:
    """The stored documents of a staged re-derivation batch."""
    for row in stg.read_jsonl(batch_uri):
        yield Stored(row["id"], row["source"])


def recanonicalize(
    source: dict[str, Any],
    table: AliasTable,
    *,
    validate: bool = True,
    require_known: bool = False,
) -> Entities | None:
    """Entities of a stored document from its stored model spans and the current alias table;
    None when it has none stored (made before they were kept): it needs NER again."""
    model = str(source.get("entities_model") or "")
    text = ner_text(_article(source))
    if model == GAZETTEER:
        return gazetteer_entities(text, table, validate=validate, require_known=require_known)
    spans = source.get("ner_spans")
    if not isinstance(spans, list) or model in ("", "none"):
        return None
    mentions = [Mention(str(t), str(label), int(s), int(e)) for t, label, s, e in spans]
    return entities_from_mentions(
        text, mentions, table, model, validate=validate, require_known=require_known
    )


def _article(source: dict[str, Any]) -> Article:
    """Enough of an Article for the entities stage: title, body, language, provenance."""
    src = source.get("source") or {}
    info = SourceInfo(
        path=str(src.get("path", "")),
        sha256=str(src.get("sha256", "")),
        format=src.get("format", "txt"),
        size=int(src.get("size") or 0),
    )
    return Article(
        source=info,
        title=source.get("title"),
        body=str(source.get("body") or ""),
        language=str(source.get("language") or "und"),
    )


class Rederiver:
    """One batch's pass from stored documents to staged rows."""

    def __init__(
        self, ctx: RunContext, settings: Settings, done: Callable[[int], None] | None = None
    ) -> None:
        self.ctx = ctx
        self.settings = settings
        self.done = done  # told as documents finish (progress)
        self.stages = fingerprints(settings)
        self.table = load_alias_table(settings.path(settings.entities.aliases))
        self.merges = mg.read_staged(ctx.staging)  # the plan's person merge map
        self.merges_fp = mg.map_fingerprint(self.merges)
        self.ingested_at = datetime.now(UTC).isoformat()
        self.stats = BatchStats()

    def rows(self, docs: Iterable[Stored]) -> Iterator[dict[str, Any]]:
        """Staged rows: re-canonicalised documents, then those that needed NER again; the
        time they took is the batch's entities time."""
        started = time.perf_counter()
        yield from self._rows(docs)
        self.stats.stage_seconds["entities"] = round(time.perf_counter() - started, 3)

    def _rows(self, docs: Iterable[Stored]) -> Iterator[dict[str, Any]]:
        again: list[Stored] = []
        for doc in docs:
            try:
                ents = self._from_spans(doc.source)
            except Exception as e:  # one bad document costs itself
                yield self._quarantined(doc, e)
                continue
            if ents is None:
                again.append(doc)
                continue
            yield self._row(doc, ents, "entities")
        yield from self._with_ner(again)

    def _from_spans(self, source: dict[str, Any]) -> Entities | None:
        if (source.get("pipeline") or {}).get("ner") != self.stages.ner:
            return None  # the model or its settings changed: the spans are stale too
        return recanonicalize(source, self.table, **check_switches(self.settings.entities))

    def _with_ner(self, docs: list[Stored]) -> Iterator[dict[str, Any]]:
        """NER on the stored text; the entities stage yields one result per article, in order."""
        results = add_entities((_article(d.source) for d in docs), self.settings)
        for doc, result in zip(docs, results, strict=True):
            if isinstance(result, Quarantine):
                yield self._quarantined(doc, result.reason)
            elif result.entities is not None:
                yield self._row(doc, result.entities, "ner")

    def _row(self, doc: Stored, ents: Entities, stage: str) -> dict[str, Any]:
        stages = self.stages.as_dict()
        if self.merges_fp:
            stages["merges"] = self.merges_fp
        if stage == "entities" and (doc.source.get("pipeline") or {}).get("entities") == (
            self.stages.entities
        ):
            stage = "merges"  # current entities: staged because the merge map moved it
        new = with_entities(doc.source, mg.apply_merges(ents, self.merges), stages)
        new.update(run_id=self.ctx.run_id, ingested_at=self.ingested_at)
        if self.done:
            self.done(1)
        return {"kind": "doc", "id": doc.id, "doc": new, "redo": stage}

    def _quarantined(self, doc: Stored, error: Exception | str) -> dict[str, Any]:
        self.stats.quarantined += 1
        src = doc.source.get("source") or {}
        reason = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        q = Quarantine(str(src.get("path", doc.id)), src.get("sha256"), "entities", reason)
        return {"kind": "quarantine", **q.as_dict()}
