"""Facet values checked against kept reference data (issue 14, item 2): what the checks of
every facet share.

Pure functions over one value, the document's words (:class:`DocWords`) and the reference data
named in ``config/facets.yml``; :mod:`etl.canonical` applies them to values the alias table does
not know. A rule changes a value only on evidence: a value the data does not know is kept unless
``require_known`` asks otherwise (new names appear in the news every day).

The document's own text is the main source of "common word" knowledge: a word the document
writes in lowercase is an English word there, and one it writes after a determiner ("the
telescope") is a noun. Census name lists keep names that are also words ("Rose", "Said").

Here: the word lists (:class:`Rules`), the Census and nameparser names (:class:`NameData`),
the document's words (:class:`DocWords`), and the small tests several facets use (storms and
days: :func:`is_event`; :func:`qualified`, :func:`people_parts`). Each facet's checks live in
their own module:

- persons (:func:`strip_person`, :func:`person_kind`, :func:`glued_lead`):
  :mod:`etl.person_checks`;
- organisations (:func:`check_organization`, :func:`known_place`, :func:`acronym_expansion`,
  the organisation-only lists :class:`OrgRules`): :mod:`etl.org_checks`;
- places that need no gazetteer beyond :func:`etl.geo.place_evidence` (:func:`check_place`):
  :mod:`etl.place_checks`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from etl.kinds import Kind
from etl.settings import FACETS_FILE as FACETS
from etl.settings import facets_config
from etl.text import fold_key

_LOWER_WORD = re.compile(r"\b[a-z][A-Za-z'-]*")
_URL_MARK = re.compile(r"\.(?:com|org|net|gov|edu|io)\b|://|www\.|@")  # github.com
_DETERMINER_WORDS = "the a an this that these those its his her their our my your"
_DETERMINED = rf"(?i:\b(?:{'|'.join(_DETERMINER_WORDS.split())}))\s+"
# Prepositions that put a place after them; a person's surname is rarely written so.
_LOCATIVE = r"\b(?:in|at|near|into|across|throughout|outside|inside)\s+(?:the\s+)?"
_LOCATIVE_END = re.compile(_LOCATIVE + r"$")
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
    return parse_rules(facets_config(path))


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


def people_parts(person_names: Iterable[str]) -> list[tuple[str, ...]]:
    """Fold keys of each name's words, for :func:`etl.place_checks.check_place` and
    :func:`etl.org_checks.check_organization`."""
    return [tuple(fold_key(t) for t in n.split(" ")) for n in person_names]
