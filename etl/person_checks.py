"""Person facet checks (:mod:`etl.validate` holds what they share with the other facets): a
person's name cut of caption, label and role words (:func:`strip_person`), typed as a person,
a thing, a place or an organisation (:func:`person_kind`), and freed of a place or an
organisation glued before it (:func:`glued_lead`)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from functools import cache

from etl.kinds import Kind
from etl.text import fold_key
from etl.validate import (
    _LOCATIVE_END,
    _PARTICLES,
    DocWords,
    NameData,
    Rules,
    _bare,
    _common,
    _written_after,
)

_CHARACTER_END = re.compile(r"\bcharacters?\s+(?:of\s+)?$")


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
