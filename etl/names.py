"""Name-level rules of canonicalisation: cleaning, titles, display form, noise.

Pure string functions used by :mod:`etl.canonical`, which documents the rules as a whole.
"""

from __future__ import annotations

import re
from functools import lru_cache

from etl.kinds import Kind
from etl.text import ascii_fold, fold_key
from etl.text import normalize_surface as _normalize

# Words of titles and roles (compared case-insensitively, without periods; hyphenated titles such
# as "Secretary-General" or "ex-President" are titles when every part is one).
_TITLES = """
    president vice prime minister premier chancellor secretary general gen marshal admiral adm
    colonel col lieutenant lt captain capt sergeant sgt major maj commander cmdr corporal
    senator sen rep representative congressman congresswoman lawmaker mp governor gov mayor
    ambassador envoy spokesman spokeswoman spokesperson chairman chairwoman chair ceo director
    chief head leader dictator supreme deputy acting former ex defense defence foreign finance
    interior affairs state attorney judge coach mr mrs ms miss mx dr prof professor sir dame
    comrade
"""
TITLE_WORDS = frozenset(_TITLES.split())
# Name particles kept lowercase inside a name ("Mohammed bin Salman", "Ursula von der Leyen").
_PARTICLE_WORDS = "al el bin ibn ben de del della der den di da das dos du la le van von ter ten y"
_PARTICLES = frozenset(_PARTICLE_WORDS.split())
# Connectors left lowercase in organisation and place names.
_CONNECTOR_WORDS = "of the and for on in at to upon des am an im e et und"
_CONNECTORS = _PARTICLES | frozenset(_CONNECTOR_WORDS.split())
# Title words that qualify another ("Defense Minister", "Deputy Prime Minister") and so do not
# make the rest of a span a person on their own ("Defense Ministry", "State Duma").
_MODIFIER_WORDS = """
    vice prime defense defence foreign finance interior affairs state supreme deputy acting
    former ex attorney head
"""
_MODIFIERS = frozenset(_MODIFIER_WORDS.split())
_SUFFIXES = {"jr": "Jr.", "sr": "Sr.", "ii": "II", "iii": "III", "iv": "IV"}

_STRAY = "\"'()[]{}<>,;:!?*|/\\_-~#@+=• "
_POSSESSIVE = re.compile(r"(?<=\w)'s$|(?<=[sS])'$")
_ABBREV_END = re.compile(r"(?:^|[\s-])(?:[A-Za-z]\.)+$|\b(?:Jr|Sr|Inc|Co|Corp|Ltd|St|Bros|Mt)\.$")
_SUFFIX_COMMA = re.compile(r",?\s+(Jr|Sr)\.?$")
_NICKNAME = re.compile(r'\s+"[^"]+"\s+')  # Jeremy "Spike" Cohen
_TRAILING_PAREN = re.compile(r"\s+\([^()]*\)$")  # World Health Organization (WHO)
_TRAILING_CONNECTOR = re.compile(r"(?:\s+(?:of|and|the|for|et al))+$")  # "Control Centre of"
_DOTTED = re.compile(r"\b((?:[A-Z]\.){2,})")  # U.S., U.N.
_ARTICLE = re.compile(r"^(?:the|The|THE)\s+(?=\S)")
_AND = re.compile(r"\s+(?:and|&)\s+")


@lru_cache(maxsize=65536)
def clean_surface(text: str) -> str:
    """Strip edge punctuation, quotes, possessives, editorial brackets, nicknames, unbalanced or
    trailing parentheses, trailing connectors and a non-abbreviation final period."""
    s = _normalize(text).replace("[", "").replace("]", "")  # "Jerry [O'Connell"
    if s.count('"') % 2:  # 'Matiu "Matt'
        s = s.replace('"', "")
    s = _SUFFIX_COMMA.sub(r" \1.", _NICKNAME.sub(" ", s))
    prev = None
    while s != prev:
        prev = s
        s = _balance(_TRAILING_PAREN.sub("", s))
        s = _POSSESSIVE.sub("", s.strip(_STRAY))
        s = _TRAILING_CONNECTOR.sub("", s)
        if s.endswith(".") and not _ABBREV_END.search(s):
            s = s[:-1]
    return s


def _balance(s: str) -> str:
    # Keep the side of an unmatched parenthesis that holds the name:
    # "World Health Organization (WHO" -> before it, "es))Spanish" -> after it.
    depth = 0
    for i, ch in enumerate(s):
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                return _balance(s[i + 1 :])
            depth -= 1
    if depth:
        return s[: s.rfind("(")] if s.count("(") > s.count(")") else s
    return s


def strip_article(name: str) -> str:
    """Drop a leading "the" ("the Kremlin" -> "Kremlin"); the alias table is asked first."""
    return _ARTICLE.sub("", name)


def _is_title(token: str) -> bool:
    parts = [p for p in token.casefold().replace(".", "").split("-") if p]
    return bool(parts) and all(p in TITLE_WORDS for p in parts)


def _title_cut(tokens: list[str]) -> int:
    cut = 0
    for i, token in enumerate(tokens[:-1]):
        if _is_title(token):
            cut = i + 1
    return cut


def strip_titles(name: str) -> str:
    """Cut everything up to the last title word before the final token."""
    tokens = name.split(" ")
    return " ".join(tokens[_title_cut(tokens) :])


def has_person_title(name: str) -> bool:
    """Whether ``name`` starts with a role that only people have ("President X", not
    "Defense Ministry", whose title word only qualifies what follows)."""
    tokens = name.split(" ")
    cut = _title_cut(tokens)
    return cut > 0 and tokens[cut - 1].casefold().replace(".", "") not in _MODIFIERS


def looks_like_name(name: str) -> bool:
    """A person's name has no possessive, digit or lowercase word but particles
    ("Putin's press secretary" is a description, not a name)."""
    for token in name.split(" "):
        if "'s" in token or (token[:1].islower() and token not in _PARTICLES):
            return False
    return not any(c.isdigit() for c in name)  # "Victoria 1.6%"


def _cap(token: str) -> str:
    return token[:1].upper() + token[1:].lower()


def _person_tokens(tokens: list[str]) -> list[str]:
    split: list[str] = []
    for token in tokens:
        parts = token.split("-")
        # Jong-un, Jong-Un, JONG-UN -> Jong Un; "al-Baghdadi" keeps its particle's hyphen.
        if (
            len(parts) > 1
            and all(p.isalpha() for p in parts)
            and parts[0].casefold() not in _PARTICLES
        ):
            split.extend(parts)
        else:
            split.append(token)
    letters = "".join(split)
    shouting = not any(c.islower() for c in letters) or not any(c.isupper() for c in letters)
    out: list[str] = []
    for i, token in enumerate(split):
        low = token.casefold().rstrip(".")
        if i > 0 and low in _SUFFIXES:
            out.append(_SUFFIXES[low])
        elif low in _PARTICLES and 0 < i < len(split) - 1:
            out.append(low if shouting else token)
        elif len(token) == 1 and token.isupper():
            out.append(token + ".")  # "George W Bush" -> "George W. Bush"
        elif token.isalpha() and (
            (token.isupper() and (len(token) > 2 or shouting)) or token.islower()
        ):  # "Vladimir PUTIN"; "AJ Styles" and "UC Davis" keep their initials
            out.append(_cap(token))
        else:
            out.append(token)
    return out


def _undot(token: str) -> str:
    return _DOTTED.sub(lambda m: m.group(1).replace(".", ""), token)  # U.S. -> US


def _proper_tokens(tokens: list[str]) -> list[str]:
    shouting = len(tokens) > 1 and not any(c.islower() for c in "".join(tokens))
    out: list[str] = []
    for i, token in enumerate(_undot(t) for t in tokens):
        loud = shouting and len(token) >= 4  # "CHATHAM HOUSE"; "BBC NEWS" keeps BBC
        quiet = i > 0 and token.islower() and token not in _CONNECTORS  # "Vostochny cosmodrome"
        out.append(_cap(token) if token.isalpha() and (loud or quiet) else token)
    return out


@lru_cache(maxsize=65536)
def display_form(name: str, kind: Kind) -> str:
    """The facet value for a cleaned name not in the alias table (rules in the module doc)."""
    tokens = ascii_fold(_normalize(name)).split(" ")
    if kind == "person":
        tokens = _person_tokens(tokens)
    elif kind in ("organization", "location"):
        tokens = _proper_tokens(tokens)
    else:
        tokens = [_undot(t) for t in tokens]
    return " ".join(tokens)


def is_noise(name: str) -> bool:
    """Too short, a number, all lowercase, or starting with a lowercase prefix word."""
    alnum = [c for c in name if c.isalnum()]
    if len(alnum) < 2 or not any(c.isalpha() for c in alnum):
        return True
    cased = [c for c in name if c.lower() != c.upper()]
    if cased and not any(c.isupper() for c in cased):
        return True
    tokens = name.split(" ")
    first = tokens[0]
    if first[:1].islower():
        head = first.split("-")[0]
        if "-" in first:
            return not (head.casefold() in _PARTICLES or any(c.isupper() for c in head))
        return not (any(c.isupper() for c in first) or (first in _PARTICLES and len(tokens) > 1))
    return False


def split_conjoined(name: str) -> list[str]:
    """Split "Kim Jong Un & Vladimir Putin" (one span from the model) into names."""
    return _AND.split(name)


def name_parts(name: str) -> tuple[str, ...]:
    """Fold keys of a person's name words, generational suffixes left out."""
    keys = (fold_key(t) for t in display_form(name, "person").split(" "))
    return tuple(k for k in keys if k and k not in _SUFFIXES)


def name_suffix(name: str) -> str:
    """A person's generational suffix as displayed ("Jr.", "III"), or ""."""
    tokens = display_form(name, "person").split(" ")
    return tokens[-1] if len(tokens) > 1 and tokens[-1] in _SUFFIXES.values() else ""
