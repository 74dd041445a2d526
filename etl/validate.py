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
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

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


def check_place(
    name: str,
    doc: DocWords,
    rules: Rules,
    names: NameData,
    people: Sequence[tuple[str, ...]],
    person_names: Sequence[str],
) -> tuple[str, Kind] | None:
    """A place value, checks that need no gazetteer: a one-word place that is the first name or
    surname of a person in the document and is never written after "in", "at"... becomes that
    person ("Behnken" beside "Bob Behnken", "Melania" beside "Melania Trump"); a family in the
    plural is dropped ("Bidens"). A religion or an ideology is moved to other ("Islam")."""
    if " " not in name and _belief(name, rules):
        return name, "other"
    if " " in name or not doc.text:
        return name, "location"  # without the text, no evidence against the place
    plural = name.endswith("s") and _name_part_of(name[:-1], people) is not None
    i = None if plural else _name_part_of(name, people)
    if not plural and i is None:
        return name, "location"
    if re.search(_LOCATIVE + re.escape(name) + r"\b", doc.text):
        return name, "location"  # "in Washington"
    if i is None:
        return None  # "the Bidens"
    return person_names[i], "person"


def people_parts(person_names: Iterable[str]) -> list[tuple[str, ...]]:
    """Fold keys of each name's words, for :func:`check_place` and :func:`check_organization`."""
    return [tuple(fold_key(t) for t in n.split(" ")) for n in person_names]
