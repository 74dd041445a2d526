"""Raw bytes to text: table-driven, bytes made in the test."""

from __future__ import annotations

import codecs

import pytest

from etl.encoding import DecodeError, decode, looks_binary, normalize_text

CASES = [
    # (bytes, is_html, expected text)
    ("Café “quoted” €".encode(), False, "Café “quoted” €"),
    (codecs.BOM_UTF8 + "naïve".encode(), False, "naïve"),
    (codecs.BOM_UTF16_LE + "Zürich".encode("utf-16-le"), False, "Zürich"),
    (codecs.BOM_UTF16_BE + "Zürich".encode("utf-16-be"), False, "Zürich"),
    ("Café “q” costs 5 €".encode("cp1252"), False, "Café “q” costs 5 €"),
    ("é café naïve text here".encode("latin-1"), False, "é café naïve text here"),
    ("Привет, это новости из Москвы.".encode("cp1251"), False, "Привет, это новости из Москвы."),
    ("CafÃ© â€œhiâ€\x9d".encode(), False, "Café “hi”"),  # UTF-8 read as cp1252, saved again
    ("e\u0301t\u0301e\u0301".encode(), False, "\u00e9t\u0301\u00e9"),  # NFC composes what it can
    (b"line one\r\nline two\rthree", False, "line one\nline two\nthree"),
    (codecs.BOM_UTF8 + b"a\r\nb", False, "a\nb"),
    (codecs.BOM_UTF16_LE + "a\r\nb".encode("utf-16-le"), False, "a\nb"),
    # sound text that only looks unusual is left exactly as it is
    ("São Paulo — “Ça va?” 5 € · naïve".encode(), False, "São Paulo — “Ça va?” 5 € · naïve"),
    ("Zürich ÂGE ÃO".encode(), False, "Zürich ÂGE ÃO"),
    ("東京 🙂 Москва".encode(), False, "東京 🙂 Москва"),
    (
        b'<html><head><meta charset="windows-1252"></head><body>caf\xe9 \x93x\x94</body></html>',
        True,
        '<html><head><meta charset="windows-1252"></head><body>café “x”</body></html>',
    ),
    (
        b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><p>d\xe9j\xe0',
        True,
        '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><p>déjà',
    ),
    # a declared charset that is wrong for the bytes falls back to UTF-8
    ('<meta charset="us-ascii"><p>café'.encode(), True, '<meta charset="us-ascii"><p>café'),
    (
        '<meta charset="iso-8859-2"><p>“Kraków”'.encode(),
        True,
        '<meta charset="iso-8859-2"><p>“Kraków”',
    ),
    # iso-8859-1 and ascii labels mean windows-1252, as in browsers: quotes and € survive
    (
        b'<meta charset="iso-8859-1"><p>\x93Hi\x94 \x80 caf\xe9',
        True,
        '<meta charset="iso-8859-1"><p>“Hi” € café',
    ),
    (b'<meta charset="ascii"><p>\x93Hi\x94', True, '<meta charset="ascii"><p>“Hi”'),
    # UTF-16 without a BOM, told by where its NULs fall (issue 15: it was "binary")
    ("Zürich, “quoted” news".encode("utf-16-le"), False, "Zürich, “quoted” news"),
    ("Zürich, “quoted” news".encode("utf-16-be"), False, "Zürich, “quoted” news"),
    ("a\r\nb".encode("utf-16-le"), False, "a\nb"),
    ("<p>Café</p>".encode("utf-16-le"), True, "<p>Café</p>"),
    # a real legacy charset is honoured
    (
        '<meta charset="iso-8859-2"><p>Kraków, Łódź'.encode("iso-8859-2"),
        True,
        '<meta charset="iso-8859-2"><p>Kraków, Łódź',
    ),
]


@pytest.mark.parametrize(("data", "is_html", "expected"), CASES)
def test_decode(data: bytes, is_html: bool, expected: str) -> None:
    assert decode(data, is_html=is_html) == expected


@pytest.mark.parametrize(
    ("data", "binary"),
    [
        (b"\x00\x01\x02PNG", True),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", True),
        (codecs.BOM_UTF16_LE + "text".encode("utf-16-le"), False),
        ("text without a BOM".encode("utf-16-le"), False),
        ("text without a BOM".encode("utf-16-be"), False),
        # UTF-32 has NULs in both bytes of every pair: binary to this check
        ("text".encode("utf-32-le"), True),
        (b"plain text\twith tabs\n", False),
        (b"", False),
    ],
)
def test_looks_binary(data: bytes, binary: bool) -> None:
    assert looks_binary(data) is binary


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x00\x00\x00\x00abc", "binary"),
        (b"\x01\x02\x03\x04\x05\x06 ab", "binary"),
        (codecs.BOM_UTF8 + b"ok \xff\xfe bad", "undecodable bytes after a utf-8-sig BOM"),
        (codecs.BOM_UTF16_LE + b"a\x00b", "undecodable bytes after a utf-16 BOM"),
        # one rule over the whole text: a NUL past the first 8 KB is binary too (issue 15)
        (b"a" * 9000 + b"\x00tail", "NUL byte at byte 9000"),
        (b"a" * 8192 + b"\x00", "NUL byte at byte 8192"),
        (codecs.BOM_UTF8 + b"a" * 9000 + b"\x00", "NUL character at 9000"),
        (codecs.BOM_UTF16_LE + "ab\x00c".encode("utf-16-le"), "NUL character at 2"),
        (("x" * 5000 + "\x00").encode("utf-16-le"), "NUL character at 5000"),
        # NULs in the UTF-16 pattern, but not UTF-16: an odd length, a lone surrogate
        (b"a\x00b\x00c\x00d", "binary"),
        (b"a\x00b\x00\x00\xd8c\x00", "binary"),
        # UTF-16 that decodes to control characters is binary still
        ("\x01\x02\x03\x04\x05\x06abc".encode("utf-16-le"), "binary"),
    ],
)
def test_bad_bytes_raise_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode(data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CafÃ©", "Café"),
        ("e\u0301", "\u00e9"),
        ("a\r\nb", "a\nb"),
        ("plain", "plain"),
        ("lone \ud800 high", "lone \ufffd high"),  # from a JSON escape; no encoder takes it
        ("lone \udc00 low", "lone \ufffd low"),
        ("pair \U0001f600", "pair \U0001f600"),
        ("nul \x00 from a JSON escape", "nul  from a JSON escape"),  # never indexed
    ],
)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize_text(text) == expected
