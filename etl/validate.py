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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

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
_PARTICLE_WORDS = "al el bin ibn ben de del della der den di da das dos du la le van von"
_PARTICLES = frozenset(_PARTICLE_WORDS.split())  # as etl.names: "Qaboos bin Said" keeps "Said"


@dataclass(frozen=True)
class Rules:
    """Word lists of ``config/facets.yml`` (case-folded)."""

    caption_words: frozenset[str]
    verbs: frozenset[str]
    role_words: frozenset[str]
    thing_heads: Mapping[str, Kind]
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


def strip_person(name: str, doc: DocWords, rules: Rules, names: NameData) -> str:
    """Cut caption and label words after a name ("Tom Tancredo Image", "Narendra Modi
    Announced") and role words before it ("Astronomer Anthony Boccaletti"), keeping two words."""
    tokens = name.split(" ")
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
        if names.is_first(head) or tokens[1].casefold() in _PARTICLES:
            break
        # A role word ("Astronomer", "Cardinal"), or a common word before a first name
        # ("Lead Paul Sun Hyung Lee"; not "Female Grand Master").
        low = head.casefold()
        role = low in names.titles or low in rules.role_words or low.endswith("ologist")
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
    require_known: bool = False,
) -> Kind | None:
    """``person``, ``other`` for a thing named after someone or a noun phrase ("James Webb
    Telescope", "Atmospheric Science"), or None to drop (``require_known`` and no Census name).

    A name none of whose words the data knows stays a person ("Sergei Shoigu"): only a last
    word the document uses as a common noun makes it a thing, or a longer non-person value of
    the document (``things``) that starts with it while its first word is no first name
    ("Hagia Sophia" beside "Hagia Sophia Museum"; not "James Webb").
    """
    tokens = name.split(" ")
    if not names.is_first(tokens[0]) and any(t.startswith(name + " ") for t in things):
        return "other"
    last = tokens[-1]
    if _bare(last) in names.suffixes:
        return "person"
    low = last.casefold()
    if low in rules.thing_heads:
        return rules.thing_heads[low]
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


def _surname_of(word: str, people: Sequence[tuple[str, ...]], names: NameData) -> int | None:
    """Index of the person whose surname ``word`` is, when their first name is a known one."""
    key = fold_key(word)
    for i, parts in enumerate(people):
        if len(parts) >= 2 and parts[-1] == key and names.is_first(parts[0]):
            return i
    return None


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


def check_organization(
    name: str,
    doc: DocWords,
    rules: Rules,
    names: NameData,
    orgs: Mapping[str, int],
    people: Sequence[tuple[str, ...]],
    person_names: Sequence[str],
) -> tuple[str, Kind] | None:
    """An organisation value: kept, resolved to its qualified form, moved to ``other`` or
    ``person``, or None to drop."""
    tokens = name.split(" ")
    low = name.casefold()
    if len(tokens) == 1:
        if name.isupper() or any(c.isdigit() for c in name):
            return name, "organization"  # acronyms: NASA, G7
        if _belief(name, rules):
            return name, "other"
        if low in language_names():
            return name, "other"
        i = _surname_of(name, people, names)
        if i is not None:
            return person_names[i], "person"
        # Generic: a listed head, or a plain capitalised word the document also writes in
        # lowercase ("Hydrogen", "Videos"; not "GitHub").
        if low in rules.generic_heads or (name[1:].islower() and low in doc.lower):
            q = None if low in rules.ambiguous_heads else qualified(name, orgs)
            return (q, "organization") if q else None
        return name, "organization"
    if tokens[-1].casefold() in rules.law_heads:
        return name, "other"
    if tokens[-1].casefold() in rules.road_heads:
        return name, "location"
    if _person_shape(tokens, doc, names, people):
        return name, "person"
    return name, "organization"


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


_LOCATIVE_END = re.compile(_LOCATIVE + r"$")


def _after_locative(name: str, text: str) -> bool:
    """Whether ``text`` writes ``name`` after "in", "at"... ("in Washington")."""
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
            and not _after_locative(name, doc.text)
            and tokens[1].casefold() not in conf.place_heads | conf.region_heads
            and place_evidence(tokens[1]) != "known"
        ):
            return name, "person"
        return name, "location"
    if not doc.text:
        return name, "location"  # without the text, no evidence against the place
    plural = name.endswith("s") and _name_part_of(name[:-1], people) is not None
    i = None if plural else _name_part_of(name, people)
    located = _after_locative(name, doc.text)
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
