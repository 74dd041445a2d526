"""Place facet checks (:mod:`etl.validate` holds what they share with the other facets): a
place value checked with the document's text and what the gazetteer says of it
(:func:`check_place`), for values the gazetteer does not know or knows only weakly."""

from __future__ import annotations

import re
from collections.abc import Sequence

from etl.geo import Evidence, PlacesConfig, place_evidence, places_config
from etl.kinds import Kind
from etl.validate import (
    _LOCATIVE_END,
    DocWords,
    NameData,
    Rules,
    _belief,
    _name_part_of,
)

# A seat count or a score glued after a place in results tables ("Northern Ireland - 1").
_GLUED_COUNT = re.compile(r"\s+[-\u2013:]\s*\d+$")
# Two places joined into one span ("North and South Korea"); a real name with "and" in it
# ("Trinidad and Tobago") is known to the reference.
_GLUED_AND = re.compile(r"\b[A-Z]\w*\s+(?:and|&)\s+[A-Z]")
_DOMAIN = re.compile(r"\w\.(?:[a-z]{2}|com|org|net|gov|edu|info)$")  # "Portfolio.hu"
# Before a word that starts a sentence, a heading or a quote: its capital says nothing.
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"\u201c\u201d]\s*|\n\s*)$")


def _sentence_initial_only(word: str, text: str) -> bool:
    """Whether every use of ``word`` in ``text`` (one at least), derived forms included, starts a
    sentence, so its capital letter is no evidence of a name ("Amongst", "Offering"; not
    "Catalonia" in a title beside "a Catalonian city")."""
    uses = [m.start() for m in re.finditer(r"\b" + re.escape(word), text)]
    return bool(uses) and all(_SENTENCE_START.search(text[max(0, i - 4) : i]) for i in uses)


def _written_in(name: str, text: str) -> bool:
    """Whether ``text`` writes ``name`` (one word or more, possessives too) after "in",
    "at"... ("in Washington")."""
    # Find the name, then look behind it: one pattern with the prepositions first is tried at
    # every word of the text.
    start = text.find(name)
    while start >= 0:
        end = start + len(name)
        if (end == len(text) or not text[end].isalnum()) and _LOCATIVE_END.search(
            text, max(0, start - 24), start
        ):
            return True
        start = text.find(name, start + 1)
    return False


def check_place(
    name: str,
    doc: DocWords,
    rules: Rules,
    names: NameData,
    people: Sequence[tuple[str, ...]],
    person_names: Sequence[str],
    evidence: Evidence = "known",
    conf: PlacesConfig | None = None,
) -> tuple[str, Kind] | None:
    """A place value, checked with the document's text and ``evidence``, what the gazetteer
    says of it (:func:`etl.geo.place_evidence`; "known" when not asked):

    - any: a religion or an ideology -> other ("Islam"); a web address -> organisation
      ("Portfolio.hu"); a count glued after the name is cut ("Northern Ireland - 1");
    - one word: the first name or surname of a person in the document, never written after
      "in", "at"... -> that person ("Behnken" beside "Bob Behnken", "Melania"); a family in the
      plural is dropped ("Bidens");
    - one word the gazetteer does not know, or knows only as a small town far from the
      document's places ("weak"), and never written after "in", "at"...: dropped when every use
      starts a sentence ("Amongst", "Offering": its capital is no evidence of a name), when it
      holds a digit ("R0"), or when it is weak ("Jupiter"); after a Census first name in the
      text it is that person ("Schiff" in "Adam Schiff");
    - one word the gazetteer does not know: dropped when the document writes it in lowercase
      ("Client") or only ever before another capitalised word ("Punta" of "Punta Ventana");
      a known place with a demonym ending -> other ("Hongkongers"); a nameparser title ->
      dropped ("Sultan"); an acronym never after "in"... -> organisation ("RT");
    - several words the gazetteer does not know: a region head after generic words -> dropped
      ("Western District", "Autonomous Region"); an organisation head last -> organisation
      ("Faleolo District Hospital"); two names joined by "and" -> dropped ("North and South
      Korea"); a Census first name and surname that is no known place, place head ("City")
      nor word the document writes in lowercase, never written after "in"... -> person
      ("Savannah Guthrie"; not "Paris Metro" beside "the metro")."""
    conf = conf or places_config()
    if " " not in name and _belief(name, rules):
        return name, "other"
    if _DOMAIN.search(name):
        return name, "organization"
    glued = _GLUED_COUNT.search(name)
    if glued:
        name = name[: glued.start()]
    tokens = name.split()
    if len(tokens) > 1:
        # Generic words and a region head: a cut name, even where some country has a minor
        # region so called ("Western District", "weak" without the document's context).
        generic = conf.generic_words | conf.region_heads
        if (
            tokens[-1].casefold() in conf.region_heads
            and all(t.casefold() in generic for t in tokens)
            and (evidence != "known" or place_evidence(name) != "known")
        ):
            return None
        if evidence != "unknown":
            return name, "location"
        if tokens[-1].casefold() in conf.organization_heads:
            return name, "organization"
        if _GLUED_AND.search(name):
            return None
        if (
            len(tokens) == 2
            and doc.text
            and names.is_first(tokens[0])
            and tokens[1].upper() in names.last
            and not any(t.casefold() in doc.lower for t in tokens)
            and not _written_in(name, doc.text)
            and tokens[1].casefold() not in conf.place_heads | conf.region_heads
            and place_evidence(tokens[1]) != "known"
        ):
            return name, "person"
        return name, "location"
    if not doc.text:
        return name, "location"  # without the text, no evidence against the place
    plural = name.endswith("s") and _name_part_of(name[:-1], people) is not None
    i = None if plural else _name_part_of(name, people)
    located = _written_in(name, doc.text)
    if i is not None or plural:
        if located:
            return name, "location"  # "in Washington"
        return None if i is None else (person_names[i], "person")  # "the Bidens"
    if evidence != "known" and not located:
        if evidence == "weak" or any(c.isdigit() for c in name):
            return None
        if _sentence_initial_only(name, doc.text):
            return None
        first = _first_name_before(name, doc.text, names)
        if first:
            return f"{first} {name}", "person"  # "Schiff" after "Adam Schiff"
    if evidence == "unknown":
        if name.casefold() in doc.lower or _cut_only(name, doc.text):
            return None
        if name.isupper() and name.isalpha() and not located:
            return name, "organization"  # "RT", "ISIL": the table lists places' initials
        if name.casefold() in names.titles:
            return None  # "Sultan", "King"
        if _demonym(name):
            return name, "other"
    return name, "location"


def _first_name_before(word: str, text: str, names: NameData) -> str | None:
    """A Census first name, no title ("Lady") nor known place, written before ``word`` in
    ``text``: ``word`` is that person's surname ("Adam Schiff")."""
    for m in re.finditer(r"\b([A-Z][a-z]+) " + re.escape(word) + r"\b", text):
        first = m.group(1)
        known = place_evidence(first) == "known"
        if names.is_first(first) and first.casefold() not in names.titles and not known:
            return first
    return None


def _cut_only(word: str, text: str) -> bool:
    """Every use of ``word`` (one at least) followed by another capitalised word: a word cut from
    a longer name ("Punta" of "Punta Ventana")."""
    uses = re.findall(r"\b" + re.escape(word) + r"\b(\s+[A-Z])?", text)
    return bool(uses) and all(uses)


# Endings of names for a place's people ("Hongkongers", "Londoners", "Texans").
_DEMONYM = re.compile(r"(?:ers|ians|ans|ites)$")  # not a plain "s": "Mars" is no "Mar"


def _demonym(word: str) -> bool:
    """A place's people: the word without a demonym ending is a known place."""
    m = _DEMONYM.search(word)
    return m is not None and m.start() >= 3 and place_evidence(word[: m.start()]) != "unknown"
