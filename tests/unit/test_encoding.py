"""Raw bytes to text: table-driven, bytes made in the test."""

from __future__ import annotations

import codecs

import pytest

from etl.encoding import DecodeError, decode, looks_binary

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
    (
        b'<html><head><meta charset="windows-1252"></head><body>caf\xe9 \x93x\x94</body></html>',
        True,
        '<html><head><meta charset="windows-1252"></head><body>café “x”</body></html>',
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
        (b"plain text\twith tabs\n", False),
        (b"", False),
    ],
)
def test_looks_binary(data: bytes, binary: bool) -> None:
    assert looks_binary(data) is binary


def test_binary_raises_a_reason() -> None:
    with pytest.raises(DecodeError, match="binary"):
        decode(b"\x00\x00\x00\x00abc")
