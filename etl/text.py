"""Text folding for comparing names: one normal form and one comparison key.

The alias table, the name display rules and the mention canonicaliser all compare surfaces
through these, so that a spelling matched in one stage is matched the same way in the others.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Typographic variants folded before any comparison (the display form uses ASCII ones too).
_PUNCT_FOLD = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201b": "'",
        "\u02bc": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
    }
)
# Latin letters that Unicode does not decompose into base + accent.
_LATIN_FOLD = str.maketrans(
    {"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "æ": "ae"}
    | {"Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i", "þ": "th", "Þ": "Th", "ð": "d"}
)
SPACES = re.compile(r"\s+")


def fold_punctuation(text: str) -> str:
    """Typographic quotes, apostrophes and dashes as their ASCII forms, nothing else changed."""
    return text.translate(_PUNCT_FOLD)


def normalize_surface(text: str) -> str:
    """NFKC, no invisible format characters, ASCII quotes and hyphens, single spaces: the form
    every comparison starts from."""
    text = fold_punctuation(unicodedata.normalize("NFKC", text))
    if not text.isascii():  # zero-width joiners, soft hyphens and the like
        text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return SPACES.sub(" ", text).strip()


def ascii_fold(text: str) -> str:
    """Drop diacritics from Latin letters only (Cyrillic й or Japanese ガ are left intact)."""
    if text.isascii():
        return text
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text.translate(_LATIN_FOLD)):
        if unicodedata.combining(ch) and out and out[-1].isascii():
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


@lru_cache(maxsize=131072)  # the same few thousand names are keyed again and again per batch
def fold_key(text: str) -> str:
    """Comparison key: case, diacritics, spacing, hyphens and punctuation ignored."""
    folded = ascii_fold(normalize_surface(text)).casefold()
    return "".join(ch for ch in folded if ch.isalnum())
