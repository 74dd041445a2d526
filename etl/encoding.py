"""Raw bytes to clean Unicode: BOMs, UTF-8, legacy single-byte encodings, mojibake, NFC."""

from __future__ import annotations

import codecs
import re
import unicodedata

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


# JSON's \u escapes can leave half of a surrogate pair, which no encoder (spaCy, the ES client)
# accepts; it carries no character, so it becomes U+FFFD like any other undecodable unit.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class DecodeError(ValueError):
    """The bytes are not text we can decode; the message is the quarantine reason."""


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters in the first 8 KB (UTF-16 is text, BOM or not)."""
    head = data[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_order(head):
        return False
    if b"\x00" in head:
        return True
    return _too_many_controls(head)


def _too_many_controls(head: bytes | str) -> bool:
    codes = head if isinstance(head, bytes) else map(ord, head)
    controls = sum(1 for b in codes if b < 32 and b not in (9, 10, 12, 13))
    return bool(head) and controls / len(head) > 0.05


def _utf16_order(head: bytes) -> str | None:
    """UTF-16 without a BOM, told by where its NULs fall: Latin-script text has a NUL as the
    high byte of nearly every unit, and almost none in the other byte (binary has them both)."""
    head = head[: len(head) // 2 * 2]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    for order, high, low in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if high.count(0) >= 0.5 * len(high) and low.count(0) <= 0.02 * len(low):
            return order
    return None


def _declared(data: bytes) -> str | None:
    # Browsers look for the declaration early in the document; 2 KB keeps the scan cheap.
    m = _META_CHARSET.search(data[:2048])
    if not m:
        return None
    name = m.group(1).decode("ascii", "ignore").lower()
    try:
        name = codecs.lookup(name).name
    except LookupError:
        return None
    # As browsers do (WHATWG Encoding): these labels mean windows-1252, whose smart quotes and
    # euro sign sit where latin-1 has control characters.
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


def decode(data: bytes, *, is_html: bool = False) -> str:
    """Decode raw bytes to NFC text with repaired mojibake; raises DecodeError."""
    if looks_binary(data):
        raise DecodeError("binary file (not text)")
    text: str | None = None
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError as e:
                raise DecodeError(f"undecodable bytes after a {enc} BOM at byte {e.start}") from e
            break
    if text is None and (order := _utf16_order(data[:8192])):
        try:
            text = data.decode(order)
        except UnicodeDecodeError:
            # The NUL pattern was a coincidence: these bytes are not UTF-16 at all.
            raise DecodeError("binary file (not text)") from None
        if _too_many_controls(text[:4096]):
            raise DecodeError("binary file (not text)")
    elif text is None and b"\x00" in data:
        # The head check looks at 8 KB only; a NUL further in is binary all the same, so that
        # the whole file is judged by one rule and no NUL ever reaches the index.
        raise DecodeError(f"binary file (NUL byte at byte {data.index(0)})")
    if text is None:
        declared = _declared(data) if is_html else None
        # Valid UTF-8 first: pages often declare a legacy charset they no longer use, while
        # legacy bytes almost never happen to be valid UTF-8.
        candidates = [c for c in ("utf-8", declared) if c]
        for enc in candidates:
            try:
                text = data.decode(enc)
                break
            except (UnicodeDecodeError, LookupError):
                continue
    if text is None:
        text = _guess(data)
    if "\x00" in text:  # a NUL decoded from UTF-16 (or after a BOM) is as binary as a raw one
        raise DecodeError(f"binary file (NUL character at {text.index(chr(0))})")
    return normalize_text(text)


def normalize_text(text: str) -> str:
    """Repair mojibake, fold newlines to \\n and compose to NFC (for already-decoded strings)."""
    # A JSON "\\u0000" escape gives a NUL no byte check saw; it carries no text, so it goes.
    text = _repair(_LONE_SURROGATE.sub("\ufffd", text.replace("\x00", "")))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def _guess(data: bytes) -> str:
    """Legacy single-byte text: cp1252 (Western news' usual legacy encoding) unless a detector
    finds another script (Cyrillic, Greek...) that cp1252 would turn into accented Latin."""
    from charset_normalizer import from_bytes

    try:
        western: str | None = data.decode("cp1252")
    except UnicodeDecodeError:
        western = None
    best = from_bytes(data[:200_000], cp_exclusion=_MULTIBYTE).best()
    if best is not None and best.encoding:
        try:
            other = data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            other = None
        if other is not None and (western is None or _non_latin_share(other) > 0.5):
            return other
    if western is None:
        raise DecodeError("undecodable bytes (not UTF-8, cp1252 or a known encoding)")
    return western


_MULTIBYTE = ["utf_16", "utf_16_be", "utf_16_le", "utf_32", "utf_32_be", "utf_32_le", "utf_7"]


def _non_latin_share(text: str) -> float:
    # Over all letters: in real Cyrillic text nearly every letter is Cyrillic, while Western
    # text misread as cp1251 only turns its few accented letters into Cyrillic ones.
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if "LATIN" not in unicodedata.name(c, "")) / len(letters)


def _repair(text: str) -> str:
    """Fix mojibake (UTF-8 read as cp1252, 'CafÃ©') without touching sound text."""
    if not _MOJIBAKE_HINT.search(text):
        return text
    import ftfy

    return ftfy.fix_text(
        text,
        unescape_html=False,
        fix_line_breaks=False,
        normalization="NFC",
        uncurl_quotes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
    )


# Cheap pre-check: sequences that appear when UTF-8 is decoded as cp1252/latin-1.
_MOJIBAKE_HINT = re.compile("[ÃÂâ][\u0080-\u00bf\u2018-\u203a\u20ac\u0152-\u0192]")
