"""Facet values checked against kept reference data (issue 14, item 2): persons, organisations,
and the places checks that need no gazetteer.

Pure functions over one value, the document's words (:class:`DocWords`) and the reference data
named in ``config/facets.yml``; :mod:`etl.canonical` applies them to values the alias table does
not know. A rule changes a value only on evidence: a value the data does not know is kept unless
``require_known`` asks otherwise (new names appear in the news every day).

The document's own text is the main source of "common word" knowledge: a word the document
writes in lowercase is an English word there, and one it writes after a determiner ("the
telescope") is a noun. Census name lists keep names that are also words ("Rose", "Said").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from etl.geo import Evidence, PlacesConfig, place_evidence, places_config
from etl.kinds import Kind
from etl.settings import FACETS_FILE as FACETS
from etl.text import fold_key

_LOWER_WORD = re.compile(r"\b[a-z][A-Za-z'-]*")
_URL_MARK = re.compile(r"\.(?:com|org|net|gov|edu|io)\b|://|www\.|@")  # github.com
_DETERMINER_WORDS = "the a an this that these those its his her their our my your"
_DETERMINED = rf"(?i:\b(?:{'|'.join(_DETERMINER_WORDS.split())}))\s+"
# Prepositions that put a place after them; a person's surname is rarely written so.
_LOCATIVE = r"\b(?:in|at|near|into|across|throughout|outside|inside)\s+(?:the\s+)?"
_LOCATIVE_END = re.compile(_LOCATIVE + r"$")
_CHARACTER_END = re.compile(r"\bcharacters?\s+(?:of\s+)?$")
_PARTICLE_WORDS = "al el bin ibn ben de del della der den di da das dos du la le van von"
_PARTICLES = frozenset(_PARTICLE_WORDS.split())  # as etl.names: "Qaboos bin Said" keeps "Said"


@dataclass(frozen=True)
class Rules:
    """Word lists of ``config/facets.yml`` (case-folded)."""

    caption_words: frozenset[str]
    verbs: frozenset[str]
    role_words: frozenset[str]
    thing_heads: Mapping[str, Kind]
    place_heads: frozenset[str]  # "Causeway Bay": a place unless a first name comes first
    first_words: Mapping[str, Kind]  # "County Kerry", "Gazeta Prawna"
    org_nouns: frozenset[str]  # "troupe Tribal Evolution", "law firm Sidley Austin"
    thing_nouns: frozenset[str]  # "Cotton Candy, a dragon."
    road_heads: frozenset[str]
    generic_heads: frozenset[str]
    ambiguous_heads: frozenset[str]
    religions: frozenset[str]
    ideology_suffixes: tuple[str, ...]
    law_heads: frozenset[str]
    event_first: frozenset[str]
    event_last: frozenset[str]


def _words(section: Mapping[str, object], key: str) -> frozenset[str]:
    raw = section.get(key) or []
    assert isinstance(raw, list), key
    return frozenset(str(w).casefold() for w in raw)


def _heads(raw: object) -> dict[str, Kind]:
    assert isinstance(raw, dict), "thing_heads: a mapping of type -> words"
    kinds: dict[str, Kind] = {"organization": "organization", "location": "location"}
    return {str(w).casefold(): kinds.get(k, "other") for k, words in raw.items() for w in words}


def parse_rules(data: Mapping[str, object]) -> Rules:
    """Rules from the parsed YAML of ``config/facets.yml``."""
    persons = data.get("persons") or {}
    orgs = data.get("organizations") or {}
    events = data.get("events") or {}
    assert isinstance(persons, dict) and isinstance(orgs, dict) and isinstance(events, dict)
    return Rules(
        caption_words=_words(persons, "caption_words"),
        verbs=_words(persons, "verbs"),
        role_words=_words(persons, "role_words"),
        thing_heads=_heads(persons.get("thing_heads") or {}),
        place_heads=_words(persons, "place_heads"),
        first_words=_heads(persons.get("first_words") or {}),
        org_nouns=_words(persons, "org_nouns"),
        thing_nouns=_words(persons, "thing_nouns"),
        road_heads=_words(orgs, "road_heads"),
        generic_heads=_words(orgs, "generic_heads"),
        ambiguous_heads=_words(orgs, "ambiguous_heads"),
        religions=_words(orgs, "religions"),
        ideology_suffixes=tuple(sorted(_words(orgs, "ideology_suffixes"))),
        law_heads=_words(orgs, "law_heads"),
        event_first=_words(events, "first_words"),
        event_last=_words(events, "last_words"),
    )


@cache
def load_rules(path: Path = FACETS) -> Rules:
    """The rules of ``path``, read once per process."""
    return parse_rules(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


@dataclass(frozen=True)
class NameData:
    """First names, surnames (US Census, upper case) and name-parser words (case-folded)."""

    first: frozenset[str]
    last: frozenset[str]
    titles: frozenset[str]  # nameparser: role words that may precede a name
    suffixes: frozenset[str]  # nameparser: Jr, III, PhD

    def is_first(self, word: str) -> bool:
        return word.upper() in self.first

    def is_known(self, word: str) -> bool:
        w = word.upper()
        return w in self.first or w in self.last


@cache
def name_data() -> NameData:
    """Census name files of the ``names`` package and nameparser's constants, once per process
    (about 40 ms: 5,500 first names, 89,000 surnames)."""
    import names
    from nameparser.config import CONSTANTS

    root = Path(names.__file__).parent

    def load(*files: str) -> frozenset[str]:
        out: set[str] = set()
        for f in files:
            with (root / f).open(encoding="ascii") as fh:
                out.update(line.split(" ", 1)[0] for line in fh if line.strip())
        return frozenset(out)

    suffixes = set(CONSTANTS.suffix_acronyms) | set(CONSTANTS.suffix_not_acronyms)
    return NameData(
        first=load("dist.male.first", "dist.female.first"),
        last=load("dist.all.last"),
        titles=frozenset(str(t).casefold() for t in CONSTANTS.titles),
        suffixes=frozenset(str(s).casefold().replace(".", "") for s in suffixes),
    )


@cache
def language_names() -> frozenset[str]:
    """Case-folded English names of the ISO 639 languages with a two-letter code (pycountry)."""
    import pycountry

    return frozenset(
        lang.name.casefold() for lang in pycountry.languages if hasattr(lang, "alpha_2")
    )


@dataclass(frozen=True)
class DocWords:
    """What one document says about its words."""

    text: str
    lower: frozenset[str]  # words it writes in lowercase (not inside URLs)
    _nouns: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def is_noun(self, word: str) -> bool:
        """Whether the document writes ``word`` in lowercase after a determiner ("the
        telescope"); asked of few words, so searched on demand."""
        low = word.casefold()
        if low not in self._nouns:
            self._nouns[low] = low in self.lower and bool(
                re.search(_DETERMINED + re.escape(low) + r"\b", self.text)
            )
        return self._nouns[low]


def doc_words(text: str) -> DocWords:
    """The lowercase words of ``text``, without those of its URLs and addresses."""
    lower = set(_LOWER_WORD.findall(text))
    urls = [_token_at(text, m.start(), m.end()) for m in _URL_MARK.finditer(text)]
    if urls:
        lower -= set(_LOWER_WORD.findall(" ".join(urls)))
    lower.update(w.split("-", 1)[0] for w in list(lower) if "-" in w)  # "neo-Nazi"
    return DocWords(text, frozenset(lower))


def _token_at(text: str, start: int, end: int) -> str:
    """The whitespace-delimited token around ``text[start:end]`` (a regex with a leading
    ``\\S*`` would be tried at every position of the text)."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    return text[start:end]


NO_DOC = DocWords("", frozenset())


def _bare(word: str) -> str:
    return word.casefold().replace(".", "")


def _common(word: str, doc: DocWords, names: NameData) -> bool:
    """A word of the language rather than of a name: written lowercase in the document and
    no Census first name or surname."""
    return word.casefold() in doc.lower and not names.is_known(word)


_GLUED = re.compile(r"(?<=[a-z])(?=[A-Z][a-z]+$)")  # "JorgensenImage": a capital inside a word


def _unglue(token: str, rules: Rules) -> str:
    """``token`` without a caption word glued to its end ("JorgensenImage" -> "Jorgensen")."""
    parts = _GLUED.split(token, maxsplit=1)
    if len(parts) == 2 and parts[1].casefold() in rules.caption_words:
        return parts[0]
    return token


def _cut_off(name: str, doc: DocWords, rules: Rules, names: NameData) -> str | None:
    """The surname the model cut off a name: the one capitalised word that follows every
    occurrence of ``name`` in the text and ends the name there ("Amy Berman" always written
    "Amy Berman Jackson"); not a caption, role or thing word, not a word the text writes in
    lowercase, nor the start of a longer name ("Bill Clinton White House")."""
    if " " not in name or name + " " not in doc.text:
        return None
    found = set()
    text, i = doc.text, doc.text.find(name)
    while i >= 0:  # str.find, not a regex compiled per name (the stage's time budget)
        end = i + len(name)
        if not text[end : end + 1].isalnum():
            nxt = _NEXT_NAME.match(text, end)
            if nxt is None:
                return None
            found.add(nxt.group(1))
        i = text.find(name, end)
    if len(found) != 1:
        return None
    word = found.pop()
    low = word.casefold()
    if low in rules.caption_words or low in rules.verbs or _thing(word, rules):
        return None
    if low in doc.lower or low in names.titles or low in _PARTICLES:
        return None
    return word


# A capitalised word after a name, then no other capitalised word (the name ends there).
_NEXT_NAME = re.compile(r" ([A-Z][a-z]+)(?![\w'’-]| +[A-Z0-9])")


def _title_here(tokens: Sequence[str], doc: DocWords, rules: Rules, names: NameData) -> bool:
    """Whether the first word is a role word before a name: a title (nameparser) or a listed
    role word; a title that is also a Census first name ("King", "Earl", "Lady") only when the
    document uses it as a noun ("the king"), writes the rest of the name without it, or writes
    another title before it ("First Lady Melania Trump", "Crown Prince")."""
    word = tokens[0]
    low = word.casefold()
    if low in rules.role_words or low.endswith("ologist"):
        return True
    if low not in names.titles:
        return False
    if not names.is_first(word) or doc.is_noun(word):
        return True
    text, name = doc.text, " ".join(tokens)
    if text.count(" ".join(tokens[1:])) > text.count(name):
        return True
    # Part of a longer title: "First Lady Melania Trump", "Crown Prince Mohammad bin Salman".
    i = text.find(name)
    while i > 0:
        before = text[max(0, i - 20) : i].rsplit(None, 1)
        if text[i - 1] == " " and before:
            low = before[-1].casefold()
            if low in names.titles or low in rules.role_words:
                return True
        i = text.find(name, i + len(name))
    return False


def strip_person(name: str, doc: DocWords, rules: Rules, names: NameData) -> str:
    """Cut caption and label words after a name ("Tom Tancredo Image", "Narendra Modi
    Announced", "Jo JorgensenImage") and role words before it ("Astronomer Anthony
    Boccaletti"; "King Maha Vajiralongkorn" where the text says "the king"), keeping two
    words."""
    tokens = name.split(" ")
    tokens[-1] = _unglue(tokens[-1], rules)
    more = _cut_off(" ".join(tokens), doc, rules, names)
    if more:
        tokens.append(more)
    if _thing(tokens[-1], rules):
        return name  # "Saint Francis Hospital": not a person at all (person_kind)
    while len(tokens) > 2:
        last, low = tokens[-1], tokens[-1].casefold()
        if tokens[-2].casefold() in _PARTICLES or _bare(last) in names.suffixes:
            break
        caption = low in rules.caption_words or low in rules.verbs
        if caption or (len(last) > 3 and _common(last, doc, names) and not doc.is_noun(last)):
            tokens.pop()
            continue
        break
    while len(tokens) > 2:
        head = tokens[0]
        if tokens[1].casefold() in _PARTICLES:
            break
        # A role word ("Astronomer", "Cardinal"), or a common word before a first name
        # ("Lead Paul Sun Hyung Lee"; not "Female Grand Master").
        role = _title_here(tokens, doc, rules, names)
        if not role and names.is_first(head):
            break
        if role or (_common(head, doc, names) and names.is_first(tokens[1])):
            tokens.pop(0)
            continue
        break
    return " ".join(tokens)


def _thing(word: str, rules: Rules) -> bool:
    low = word.casefold()
    return (
        low in rules.thing_heads
        or low in rules.road_heads
        or low in rules.law_heads
        or low in rules.event_last
    )


def is_event(name: str, rules: Rules, names: NameData) -> bool:
    """A storm or a day ("Hurricane Maria", "Bastille Day", "Martin Luther King Jr. Day"),
    whatever the model typed; not a person whose surname is such a word ("Doris Day")."""
    tokens = name.split(" ")
    if len(tokens) < 2:
        return False
    low = name.casefold()
    if any(low.startswith(w + " ") for w in rules.event_first):  # "Tropical Storm Barry"
        return True
    if tokens[-1].casefold() not in rules.event_last:
        return False
    before = tokens[-2]
    return _bare(before) in names.suffixes or not (
        names.is_first(before) or (len(tokens) > 2 and names.is_first(tokens[0]))
    )


def person_kind(
    name: str,
    doc: DocWords,
    rules: Rules,
    names: NameData,
    *,
    things: Iterable[str] = (),
    people: Sequence[tuple[str, ...]] = (),
    require_known: bool = False,
) -> Kind | None:
    """``person``, ``other`` for a thing named after someone or a noun phrase ("James Webb
    Telescope", "Atmospheric Science", "Space Shuttle" written "Space Shuttles"), a place or an
    organisation by a class word ("Causeway Bay", "County Kerry", "Crow Tribe") or written after
    "in", "at"... ("in La Llagosta") or a class noun ("troupe Tribal Evolution"), ``other``
    for a fictional character or a non-human thing the text calls one ("the character Tasha
    Yar", "Cotton Candy, a dragon."), or None to drop
    (``require_known`` and no Census name; two surnames of the document's ``people``).

    A name none of whose words the data knows stays a person ("Sergei Shoigu"): only a last
    word the document uses as a common noun makes it a thing, or a longer non-person value of
    the document (``things``) that starts with it while its first word is no first name
    ("Hagia Sophia" beside "Hagia Sophia Museum"; not "James Webb").
    """
    tokens = name.split(" ")
    if _glued_surnames(tokens, people):
        return None  # "Trump Biden": two people of the document
    first_name = names.is_first(tokens[0])
    if not first_name and any(t.startswith(name + " ") for t in things):
        return "other"
    if len(tokens) >= 2 and tokens[0].casefold() in rules.first_words:
        return rules.first_words[tokens[0].casefold()]  # "County Kerry", "Gazeta Prawna"
    last = tokens[-1]
    if _bare(last) in names.suffixes:
        return "person"
    low = last.casefold()
    if low in rules.thing_heads:
        return rules.thing_heads[low]
    if low in rules.place_heads and not first_name:
        return "location"  # "Causeway Bay"; not "Michael Bay"
    if _common(tokens[0], doc, names) and tokens[0].casefold() not in _PARTICLES:
        return "other"  # "Training Range", "Regarding Ashodaya": a name starts with a name
    if _plural_in(name, doc):
        return "other"  # "the Space Shuttles": a class of things
    if rules.org_nouns and _written_after(name, doc, _after_nouns(rules.org_nouns), False):
        return "organization"  # "dancing troupe Tribal Evolution", "law firm Sidley Austin"
    if rules.thing_nouns and _described_as(name, doc, _apposition(rules.thing_nouns)):
        return "other"  # "Cotton Candy, a dragon."
    if _written_after(name, doc, _CHARACTER_END, possessive=True):
        return "other"  # "the character Tasha Yar", "character of Anya Jenkins": fictional
    if _after_locative(name, doc):
        return "location"  # "in La Llagosta", "in the Tsuen Wan district"; not "in Joe Biden's"
    if low in rules.law_heads:
        return "other"
    if _common(last, doc, names) and doc.is_noun(last):
        return "other"
    # No word a name, one a word of the language: "Atmospheric Science", "Neo Nazi" (neo-Nazi).
    if not any(names.is_known(t) for t in tokens) and any(
        _common(t, doc, names) for t in tokens if t.casefold() not in _PARTICLES
    ):
        return "other"
    if require_known and not any(names.is_known(t) for t in tokens):
        return None
    return "person"


def glued_lead(name: str, single: Collection[str], names: NameData) -> str | None:
    """``name`` without a first word the document names alone as an organisation or a place
    more often than in persons (fold keys ``single``) and that is no Census name: "Koszalin
    Piotr Jedlinski" -> "Piotr Jedlinski"; "" when one word would be left ("Twitter West");
    None when no such word leads ("Jordan Peterson" beside "Jordan")."""
    tokens = name.split(" ")
    if len(tokens) < 2 or names.is_known(tokens[0]) or fold_key(tokens[0]) not in single:
        return None
    if tokens[1].casefold() in _PARTICLES:
        return None  # "Qaboos bin Said"
    return " ".join(tokens[1:]) if len(tokens) > 2 else ""


def _glued_surnames(tokens: Sequence[str], people: Sequence[tuple[str, ...]]) -> bool:
    """Whether every word is the surname of a different longer person of the document ("Trump
    Biden" beside "Donald Trump" and "Joe Biden")."""
    keys = tuple(fold_key(t) for t in tokens)
    owners = [
        {i for i, p in enumerate(people) if len(p) >= 2 and p[-1] == k and p != keys} for k in keys
    ]
    return len(keys) >= 2 and all(owners) and len(set().union(*owners)) >= 2


def _written_after(name: str, doc: DocWords, before: re.Pattern[str], possessive: bool) -> bool:
    """Whether the text writes the multi-word ``name`` right after what ``before`` matches
    (anchored at its end), as a possessive too unless ``possessive`` is False."""
    if " " not in name:
        return False
    text, i = doc.text, doc.text.find(name)
    while i >= 0:  # str.find, not a regex compiled per name (the stage's time budget)
        end = i + len(name)
        after = text[end : end + 2]
        if (
            not after[:1].isalnum()
            and (possessive or after not in ("'s", "’s"))
            and before.search(text, max(0, i - 20), i)
        ):
            return True
        i = text.find(name, end)
    return False


@cache
def _after_nouns(nouns: frozenset[str]) -> re.Pattern[str]:
    """A lowercase noun of ``nouns`` and one space, at the end of the searched text."""
    return re.compile(rf"\b(?:{'|'.join(sorted(map(re.escape, nouns)))}) $")


@cache
def _apposition(nouns: frozenset[str]) -> re.Pattern[str]:
    """ ", a dragon." after a name: a noun of ``nouns`` (one modifier allowed) ending a clause."""
    alts = "|".join(sorted(map(re.escape, nouns)))
    return re.compile(rf",? (?:a|an|the) (?:[a-z-]+ )?(?:{alts})s?(?=[.,;:)!?])")


def _described_as(name: str, doc: DocWords, apposition: re.Pattern[str]) -> bool:
    """Whether the text follows ``name`` with ``apposition`` ("Cotton Candy, a dragon.")."""
    text, i = doc.text, doc.text.find(name)
    while i >= 0:
        end = i + len(name)
        if apposition.match(text, end):
            return True
        i = text.find(name, end)
    return False


def _after_locative(name: str, doc: DocWords) -> bool:
    """Whether the text writes ``name`` after "in", "at"... and not as a possessive ("in La
    Llagosta"; not "in Joe Biden's")."""
    return _written_after(name, doc, _LOCATIVE_END, possessive=False)


def _plural_in(name: str, doc: DocWords) -> bool:
    """Whether the document writes the whole multi-word ``name`` in the plural ("Space
    Shuttles"); people are pluralised by surname alone ("the Kennedys")."""
    if " " not in name:
        return False
    text = doc.text
    for plural in (name + "s", name + "es"):
        i = text.find(plural)
        while i >= 0:
            end = i + len(plural)
            if not text[end : end + 1].isalnum():
                return True
            i = text.find(plural, end)
    return False


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


def _name_part_of(word: str, people: Sequence[tuple[str, ...]]) -> int | None:
    """Index of the first person whose first name or surname ``word`` is."""
    key = fold_key(word)
    for i, parts in enumerate(people):
        if len(parts) >= 2 and key in (parts[0], parts[-1]):
            return i
    return None


def _belief(word: str, rules: Rules) -> bool:
    """A religion ("Islam"), an ideology ("Communism") or a language community
    ("Francophone")."""
    low = word.casefold()
    return low in rules.religions or low.endswith(rules.ideology_suffixes)


def qualified(head: str, orgs: Mapping[str, int]) -> str | None:
    """The longer organisation of the document ending with the generic ``head`` ("Supreme
    Court" for "Court"), the most mentioned first; None if there is none."""
    low = " " + head.casefold()
    fits = [(-n, o) for o, n in orgs.items() if o.casefold().endswith(low)]
    return min(fits)[1] if fits else None


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
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return parse_org_rules(data)


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


def people_parts(person_names: Iterable[str]) -> list[tuple[str, ...]]:
    """Fold keys of each name's words, for :func:`check_place` and :func:`check_organization`."""
    return [tuple(fold_key(t) for t in n.split(" ")) for n in person_names]
