"""Organisation facet checks (:mod:`etl.validate` holds what they share with the other
facets): an organisation value kept, resolved to its qualified form, moved to another type or
dropped (:func:`check_organization`), with the organisation-only word lists (:class:`OrgRules`),
places by primary name (:func:`known_place`) and acronyms the document spells out
(:func:`acronym_expansion`)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from etl.kinds import Kind
from etl.settings import FACETS_FILE as FACETS
from etl.settings import facets_config
from etl.text import fold_key
from etl.validate import (
    _LOCATIVE,
    _PARTICLES,
    DocWords,
    NameData,
    Rules,
    _belief,
    _name_part_of,
    _words,
    language_names,
    qualified,
)


def _surname_of(word: str, people: Sequence[tuple[str, ...]], names: NameData) -> int | None:
    """Index of the person whose surname ``word`` is, when their first name is a known one."""
    key = fold_key(word)
    for i, parts in enumerate(people):
        if len(parts) >= 2 and parts[-1] == key and names.is_first(parts[0]):
            return i
    return None


def _surname_only(word: str, people: Sequence[tuple[str, ...]]) -> int | None:
    """Index of the one person of the document whose surname ``word`` is, whatever their first
    name ("al-Assad" beside "Bashar al-Assad", "Prakash" beside "Om Prakash")."""
    key = fold_key(word)
    found = {i for i, parts in enumerate(people) if len(parts) >= 2 and parts[-1] == key}
    return found.pop() if len(found) == 1 else None


@dataclass(frozen=True)
class OrgRules:
    """The word lists of ``config/facets.yml`` that only the organisation checks read."""

    event_heads: frozenset[str]
    title_heads: frozenset[str]
    title_first: frozenset[str]
    legislature_heads: frozenset[str]
    other_heads: frozenset[str]
    ship_prefixes: frozenset[str]  # as written: "MV", "HMS"
    org_heads: frozenset[str]  # last words that say "organisation" (generic and thing heads)


@cache
def load_org_rules(path: Path = FACETS) -> OrgRules:
    """The organisation-only lists of ``path``, read once per process."""
    return parse_org_rules(facets_config(path))


def parse_org_rules(data: Mapping[str, object]) -> OrgRules:
    """Organisation-only lists from the parsed YAML of ``config/facets.yml``."""
    orgs = data.get("organizations") or {}
    persons = data.get("persons") or {}
    assert isinstance(orgs, dict) and isinstance(persons, dict)
    heads = persons.get("thing_heads") or {}
    assert isinstance(heads, dict)
    org_things = frozenset(str(w).casefold() for w in heads.get("organization") or [])
    return OrgRules(
        event_heads=_words(orgs, "event_heads"),
        title_heads=_words(orgs, "title_heads"),
        title_first=_words(orgs, "title_first"),
        legislature_heads=_words(orgs, "legislature_heads"),
        other_heads=_words(orgs, "other_heads"),
        ship_prefixes=frozenset(str(w) for w in orgs.get("ship_prefixes") or []),
        org_heads=_words(orgs, "generic_heads") | _words(orgs, "org_heads") | org_things,
    )


@cache
def _stop_words() -> frozenset[str]:
    """spaCy's English stop words ("very", "nothing"), read from its source file: importing
    ``spacy.lang.en`` would import all of spaCy (2.5 s) for one set literal."""
    import ast
    from importlib.util import find_spec

    spec = find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(spec.submodule_search_locations[0]) / "lang" / "en" / "stop_words.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) > 500:
            return frozenset(node.value.split())
    return frozenset()


PlaceLookup = Callable[[str], Sequence[Any]]


def _geo_candidates(name: str) -> Sequence[Any]:
    from etl.geo import reference

    return reference().candidates(name)


def known_place(name: str, lookup: PlaceLookup = _geo_candidates) -> Any | None:
    """The largest place (GeoNames/ISO 3166, by primary name only) ``name`` is, or None."""
    cands = [p for p in lookup(name) if not p.alternate]
    return max(cands, key=lambda p: p.weight) if cands else None


def acronym_expansion(acronym: str, text: str) -> str | None:
    """The words the document gives for ``acronym`` next to it in brackets, either way round
    ("Most Valuable Player (MVP)", "CTO [Chief Technical Officer]", "BPL card [below poverty
    line]"), when their initials spell it; None if the document spells it out nowhere."""
    letters = acronym.casefold()
    for m in re.finditer(r"[(\[]" + re.escape(acronym) + r"[)\]]", text):
        toks = _EXPANSION_WORD.findall(text, max(0, m.start() - 120), m.start())
        found = _initials_match(toks[-8:], letters, take_last=True)
        if found:
            return found
    for m in re.finditer(
        r"\b" + re.escape(acronym) + r"\b(?: \w+)?\s*[(\[]([^)\]]{1,120})[)\]]", text
    ):
        found = _initials_match(_EXPANSION_WORD.findall(m.group(1))[:8], letters, take_last=False)
        if found:
            return found
    return None


_EXPANSION_WORD = re.compile(r"[^\s/()\[\]-]+")


def _initials_match(toks: Sequence[str], letters: str, *, take_last: bool) -> str | None:
    for n in range(len(toks), 0, -1):
        part = toks[-n:] if take_last else toks[:n]
        if {part[0].casefold(), part[-1].casefold()} & _CONNECTORS:
            continue  # "in electric vehicle (EV)": the name starts after "in"
        content = [t for t in part if t.casefold() not in _CONNECTORS]
        if "".join(t[0] for t in content).casefold() == letters:
            return " ".join(part)
        if "".join(t[0] for t in part).casefold() == letters:
            return " ".join(part)
    return None


_CONNECTORS = frozenset(
    ["of", "and", "for", "the", "de", "du", "des", "la", "le", "el", "in", "on", "to"]
)


def _glued(
    tokens: Sequence[str],
    orgs: Mapping[str, int],
    person_names: Sequence[str],
    lookup: PlaceLookup,
    names: NameData,
) -> bool:
    """Two names run together: a person of the document and an organisation or place
    ("Brett Kavanaugh Supreme Court", "Slovakia Igor Matovic"), a country and a first name
    ("India Pranab"), or a place and its country ("Melbourne Australia")."""
    value = " ".join(tokens)
    people = {p for p in person_names if " " in p}
    for i in range(1, len(tokens)):
        head, tail = " ".join(tokens[:i]), " ".join(tokens[i:])
        for person, other in ((head, tail), (tail, head)):
            if person in people and (other in orgs or known_place(other, lookup) is not None):
                return True
        place = known_place(head, lookup)
        if place is None or place.name == value:
            continue
        if place.kind == "country" and names.is_first(tokens[i]) and i == len(tokens) - 1:
            return True  # "India Pranab"
        country = known_place(tail, lookup)
        if (
            country is not None
            and country.kind == "country"
            and place.kind != "country"
            and set(country.countries) & set(place.countries)
        ):
            return True  # "Melbourne Australia"
    return False


_LIST_SEP = re.compile(r",\s*(?:and\s+)?|\s+and\s+")


def _listed_with_person(name: str, text: str, person_names: Sequence[str]) -> bool:
    """Written in a list next to a person of the document ("Alessandro Serradimigni, Joe
    Estevez, and Manuel Giusti")."""
    others = tuple(p for p in person_names if p != name and " " in p)
    if not others:
        return False
    for m in re.finditer(r"\b" + re.escape(name) + r"\b", text):
        sep = _LIST_SEP.match(text, m.end())
        if sep is not None and text.startswith(others, sep.end()):
            return True
        head = text[max(0, m.start() - 60) : m.start()]
        tail = re.search(r"(?:,\s*(?:and\s+)?|\s+and\s+)$", head)
        if tail is not None and head[: tail.start()].endswith(others):
            return True
    return False


_SPEECH_AFTER = re.compile(r"(?:,? who\b|\s+(?:said|says|wrote|told|added|tweeted)\b)")
_WORD_BEFORE = re.compile(r"([A-Za-z]+)\s+$")
_FUNCTION_WORDS = frozenset(
    [
        "at",
        "of",
        "in",
        "on",
        "for",
        "from",
        "with",
        "by",
        "to",
        "and",
        "or",
        "the",
        "a",
        "an",
        "as",
        "than",
        "via",
        "per",
        "into",
        "under",
        "over",
    ]
)


def _person_cue(name: str, text: str, names: NameData, rules: Rules) -> bool:
    """The text writes ``name`` as people are written: after a role ("nominee Darrell
    Castle", "MP Tanya Davies"; any lowercase word but a preposition or determiner: "analysts
    at Morgan Stanley" is none) or before "said", "wrote", ", who"."""
    for m in re.finditer(r"\b" + re.escape(name) + r"\b", text):
        if _SPEECH_AFTER.match(text, m.end()):
            return True
        before = _WORD_BEFORE.search(text, max(0, m.start() - 30), m.start())
        if before is None or "\n" in text[before.end() - 1 : m.start()]:
            continue
        word = before.group(1)
        low = word.casefold()
        if low in names.titles or low in rules.role_words:
            return True
        if word.islower() and low not in _FUNCTION_WORDS:
            return True
    return False


def check_organization(
    name: str,
    doc: DocWords,
    rules: Rules,
    names: NameData,
    orgs: Mapping[str, int],
    people: Sequence[tuple[str, ...]],
    person_names: Sequence[str],
    *,
    org_rules: OrgRules | None = None,
    places: PlaceLookup = _geo_candidates,
) -> tuple[str, Kind] | None:
    """An organisation value: kept, resolved to its qualified form, moved to ``other``,
    ``person`` or ``location``, or None to drop."""
    extra = org_rules or load_org_rules()
    tokens = name.split(" ")
    low = name.casefold()
    if len(tokens) == 1:
        if name.isupper() or any(c.isdigit() for c in name):
            return _check_acronym(name, doc, orgs, extra)
        if _belief(name, rules):
            return name, "other"
        if low in language_names():
            return name, "other"
        i = _surname_of(name, people, names)
        if i is None and not any(o.startswith(name + " ") for o in orgs):
            i = _surname_only(name, people)
        if i is not None:
            return person_names[i], "person"
        if low in _stop_words() or low in _PARTICLES:
            return None  # "Very", "Le"
        # A legislature ("Senate", "Parliament") names one body in a country's news: kept
        # alone when the document has no longer form and never writes it in lowercase.
        if low in extra.legislature_heads and low not in doc.lower:
            return (qualified(name, orgs) or name), "organization"
        # Generic: a listed head, or a plain capitalised word the document also writes in
        # lowercase ("Hydrogen", "Videos"; not "GitHub").
        if low in rules.generic_heads or (name[1:].islower() and low in doc.lower):
            q = None if low in rules.ambiguous_heads else qualified(name, orgs)
            return (q, "organization") if q else None
        if _people_of_place(name, places):
            return name, "other"  # "Canadians"
        if name.endswith("s") and _name_part_of(name[:-1], people) is not None:
            return None  # a family: "the Turpins"
        longer = (_longer(name, doc.text, orgs) if doc.text else None) or _valid_longer(
            name, doc, rules, names, orgs, people, person_names, extra, places
        )
        if longer is not None:
            return longer, "organization"  # "Hornets" always in "Charlotte Hornets"
        if _place_name(name, doc, names, extra, places):
            return name, "location"
        return name, "organization"
    longer = _valid_longer(name, doc, rules, names, orgs, people, person_names, extra, places)
    if longer is not None:
        return longer, "organization"  # "Judiciary Committee": "House Judiciary Committee"
    last = tokens[-1].casefold()
    if last in rules.law_heads:
        return name, "other"
    if last in rules.road_heads:
        return name, "location"
    if tokens[0] in extra.ship_prefixes:
        return name, "other"  # "MV Namse Bangdzod"
    if last in extra.event_heads:
        return name, "other"  # "2020 Democratic National Convention"
    if last in extra.other_heads and not any(t.casefold() in extra.org_heads for t in tokens):
        return name, "other"  # "Middle East Respiratory Syndrome"; not "... Institute of ..."
    if _people_of_place(name, places):
        return name, "other"  # "American Samoans"
    if last in extra.title_heads or (
        tokens[0].casefold() in extra.title_first and tokens[1].casefold() == "of"
    ):
        return name, "other"  # "International Master", "Bachelor of Education"
    if _person_shape(tokens, doc, names, people):
        return name, "person"
    if _glued(tokens, orgs, person_names, places, names) or _two_names(name):
        return None
    if last not in extra.org_heads and _holds_person(name, person_names):
        return None  # "Whistleblower Julian Assange", "Keisha Lance Bottoms Image"
    if doc.text and _cut(name, doc.text, names, extra.org_heads, [*orgs, *person_names]):
        return None  # "League of Women" (Voters), "Biological Diversity" (Center for ...)
    if (
        names.is_first(tokens[0])
        and len(tokens) <= 3
        and last not in extra.org_heads
        and doc.text
        and (
            _listed_with_person(name, doc.text, person_names)
            or (
                last.upper() in names.last
                and all(t[:1].isupper() for t in tokens)
                and getattr(known_place(tokens[0], places), "kind", None) != "country"
                and _person_cue(name, doc.text, names, rules)
            )
        )
    ):
        return name, "person"  # "Alessandro Serradimigni, Joe Estevez, and Manuel Giusti"
    if _place_name(name, doc, names, extra, places):
        return name, "location"
    return name, "organization"


_SUFFIX_PART = re.compile(r"^(?:Inc|Ltd|LLC|LLP|Co|Corp|plc|SA|AG|GmbH)\.?$", re.IGNORECASE)


def _two_names(name: str) -> bool:
    """Two names or a name and a label run together: "Tesco - Netto Poland", "Labour Party -
    203", "Fort Peck, Blackfeet Nation"; not "Hungarian National Asset Management, Inc." nor a
    list inside one name ("Institute of Epidemiology, Disease Control and Research")."""
    if " - " in name:
        return True
    parts = [p.strip() for p in name.split(",")]
    if len(parts) < 2 or _SUFFIX_PART.match(parts[-1]):
        return False
    return not any(" and " in p or " & " in p for p in parts[1:])


def _holds_person(name: str, person_names: Sequence[str]) -> bool:
    """The value is a person of the document with other words around it."""
    padded = f" {name} "
    return any(" " in p and p != name and f" {p} " in padded for p in person_names)


# A capitalised word of a longer name right after the value ("League of Women Voters"), or a
# connector and one ("National Institute of Allergy and Infectious Diseases"); or one before.
_AFTER = re.compile(r" (?:(?:and|et|of|de|for|y) )?(?:d')?[A-Z][\w'-]*")
_BEFORE = re.compile(r"([A-Z][\w'-]*) (?:for|of|de) $")


def _cut(
    name: str, text: str, names: NameData, heads: frozenset[str], others: Iterable[str]
) -> bool:
    """Every time the text writes ``name`` (several words with a connector, not ending with an
    organisation head) it is the start or the end of a longer capitalised name: followed by a
    capitalised word that is no title ("League of Women Voters"; not "Apple CEO"), or by
    "and"/"of" and one that starts no other organisation or person of the document ("School
    of Marine and Atmospheric Science"; not "University of Miami and Apex Shark Expeditions"),
    or
    preceded by an organisation head and "for"/"of" ("Center for Biological Diversity"; not
    "Eastman of Chapman University"). A value the text never writes as is gives no evidence."""
    tokens = name.casefold().split(" ")
    if len(tokens) < 2 or tokens[-1] in heads:
        return False
    if not any(t in ("of", "for", "de") for t in tokens[1:-1]) and not any(
        f" {w} {name}" in text for w in ("for", "of", "de")
    ):
        return False
    hits = [m.start() for m in re.finditer(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text)]
    if not hits:
        return False
    firsts = {o.split(" ", 1)[0] for o in others}
    for start in hits:
        after = _AFTER.match(text, start + len(name), start + len(name) + 40)
        if after is not None:
            words = after.group(0).split(" ")
            word = words[-1]
            if word.isupper() or word.casefold() in names.titles:
                after = None  # "NASA Administrator", "Apple CEO": a role, not a name
            elif len(words) > 2 and word in firsts:
                after = None  # "University of Miami and Apex Shark Expeditions"
        if after is not None:
            continue
        before = _BEFORE.search(text, max(0, start - 40), start)
        if before is not None and before.group(1).casefold() in heads:
            continue
        return False
    return True


def _longer(name: str, text: str, orgs: Iterable[str]) -> str | None:
    """The one longer organisation of the document that every written ``name`` starts
    ("Payam" always in "Payam International Airport")."""
    fits = [o for o in orgs if o.startswith(name + " ")]
    if len(fits) != 1:
        return None
    hits = re.findall(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text)
    return fits[0] if hits and len(hits) == text.count(fits[0]) else None


def _people_of_place(name: str, places: PlaceLookup) -> bool:
    """A people named after a country or region ("American Samoans", "Azerbaijanis",
    "Canadians", "Italians"): the name less a demonym ending is a country, or a region when
    only "s" or "ns" is cut ("Guardians" is no people of Guarda)."""
    if not name.endswith("s") or len(name) < 6:
        return False
    stems = (name[:-1], name[:-2], name[:-3], name[:-3] + "a", name[:-4] + "a", name[:-4] + "y")
    for n, stem in enumerate(stems):
        place = known_place(stem, places)
        kinds = ("country", "subdivision") if n < 2 else ("country",)
        if place is not None and place.kind in kinds:
            return True
    return False


def _valid_longer(
    name: str,
    doc: DocWords,
    rules: Rules,
    names: NameData,
    orgs: Mapping[str, int],
    people: Sequence[tuple[str, ...]],
    person_names: Sequence[str],
    extra: OrgRules,
    places: PlaceLookup,
) -> str | None:
    """:func:`_only_longer_ending`, when that organisation passes the checks itself."""
    longer = _only_longer_ending(name, orgs)
    if longer is None:
        return None
    checked = check_organization(
        longer, doc, rules, names, orgs, people, person_names, org_rules=extra, places=places
    )
    return longer if checked == (longer, "organization") else None


def _only_longer_ending(name: str, orgs: Mapping[str, int]) -> str | None:
    """The one longer organisation of the document ending with the several-word ``name``
    ("House Judiciary Committee" for "Judiciary Committee"): the short form of its name."""
    tail = " " + name.casefold()
    fits = [o for o in orgs if o.casefold().endswith(tail)]
    if len(fits) != 1 or not fits[0][:1].isupper():
        return None  # none, several, or a span with a stray word ("national Constitution Party")
    return fits[0]


def _check_acronym(
    name: str, doc: DocWords, orgs: Mapping[str, int], extra: OrgRules
) -> tuple[str, Kind] | None:
    """An all-caps or digit-bearing word: kept (NASA, G7) unless the document writes it in
    lowercase ("TOGETHER") or spells it out as something no organisation ("PPE", "MVP (Most
    Valuable Player)": the expansion is none of the document's organisations and ends with no
    organisation head word)."""
    low = name.casefold()
    if name.isalpha() and len(name) >= 4 and low in doc.lower:
        return None
    if f"(({name}))" in doc.text:
        return None  # an interview's speaker label: "((WSS)) How did..."
    if not doc.text or not name.isalpha():
        return name, "organization"
    long = acronym_expansion(name, doc.text)
    if long is None or fold_key(long) in {fold_key(o) for o in orgs}:
        return name, "organization"
    content = [t for t in re.split(r"[\s/-]+", long) if t.casefold() not in _CONNECTORS]
    last = content[-1].casefold() if content else ""
    if any(t[0].islower() for t in content) or last in extra.title_heads:
        return name, "other"  # a thing or a title, not a proper name
    return name, "organization"


def _place_name(
    name: str, doc: DocWords, names: NameData, extra: OrgRules, places: PlaceLookup
) -> bool:
    """A country, region or city typed as an organisation ("Samoa", "Niamey"): exactly a
    place's primary name, with no organisation head word, no word the document writes in
    lowercase and, for one word, no Census name ("Leo", "Gallup" name companies too)."""
    tokens = name.split(" ")
    if name.isupper() or any(t.casefold() in extra.org_heads for t in tokens):
        return False
    if any(t.casefold() in doc.lower for t in tokens):
        return False
    if len(tokens) == 1 and names.is_known(name):
        return False
    place = known_place(name, places)
    if place is None:
        return False
    # A city's name is also a club's, a studio's or a magazine's ("Paramount", "Time"): only
    # a country or a region is a place on its name alone, a city when the text puts it after
    # "in", "at"...
    return place.kind != "city" or bool(
        doc.text and re.search(_LOCATIVE + re.escape(name) + r"\b", doc.text)
    )


def _person_shape(
    tokens: Sequence[str], doc: DocWords, names: NameData, people: Sequence[tuple[str, ...]]
) -> bool:
    """A personal name typed as an organisation ("Maya Rockeymoore Cummings" beside "Elijah
    Cummings"): a Census first name, a Census surname that a person of the document has, no word
    the document writes in lowercase. The shape alone is not enough: firms and bodies are named
    after people and places ("Morgan Stanley", "Sunshine Coast Rugby Union")."""
    if not names.is_first(tokens[0]) or tokens[-1].upper() not in names.last:
        return False
    if not all(t.isalpha() and t[0].isupper() and t.casefold() not in doc.lower for t in tokens):
        return False
    surname = fold_key(tokens[-1])
    return any(len(p) >= 2 and p[-1] == surname for p in people)
