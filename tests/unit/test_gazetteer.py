"""Alias table and gazetteer matcher: text -> expected matches (no model)."""

from __future__ import annotations

import pytest

from etl.gazetteer import AliasEntry, AliasTable, load_alias_table, parse_alias_table
from etl.settings import PROJECT_ROOT

TABLE = load_alias_table(PROJECT_ROOT / "config" / "entities.yml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # acronyms only as written
        ("US officials said", [("US", "United States")]),
        ("let us know", []),
        ("Us and them", []),
        ("U.S.-led talks", [("U.S.", "United States")]),
        ("the DPRK and KCNA", [("DPRK", "North Korea"), ("KCNA", "Korean Central News Agency")]),
        # whole words only, possessives fine
        ("Russian officials", []),
        ("Russia’s Far East", [("Russia", "Russia")]),
        ("Putinism is a word", []),
        # first letter as written, the rest ignoring case and diacritics
        ("the Vostochny cosmodrome", [("Vostochny cosmodrome", "Vostochny Cosmodrome")]),
        ("KIM JONG-UN ARRIVES", [("KIM JONG-UN", "Kim Jong Un")]),
        ("north korea", []),
        ("Pjongjang und Pjöngjang", [("Pjongjang", "Pyongyang"), ("Pjöngjang", "Pyongyang")]),
        ("Kim Jong‑un", [("Kim Jong‑un", "Kim Jong Un")]),  # non-breaking hyphen
        (
            "Democratic People’s Republic of Korea",
            [("Democratic People’s Republic of Korea", "North Korea")],
        ),
        # leftmost-longest
        (
            "the U.N. Security Council voted",
            [("U.N. Security Council", "United Nations Security Council")],
        ),
        (
            "Sohae satellite launching station",
            [("Sohae satellite launching station", "Sohae Satellite Launching Station")],
        ),
        # a name never spans lines
        ("North\nKorea", []),
        # other languages and scripts
        (
            "Wladimir Putin traf Kim Jong-un in Wladiwostok",
            [
                ("Wladimir Putin", "Vladimir Putin"),
                ("Kim Jong-un", "Kim Jong Un"),
                ("Wladiwostok", "Vladivostok"),
            ],
        ),
        ("Путин встретился с Ким Чен Ыном", [("Путин", "Vladimir Putin")]),
        ("김정은은 북한의 지도자", [("김정은", "Kim Jong Un"), ("북한", "North Korea")]),
        ("金正恩総書記が訪問", [("金正恩", "Kim Jong Un")]),
    ],
)
def test_find(text: str, expected: list[tuple[str, str]]) -> None:
    matches = TABLE.find(text)
    assert [(m.text, m.entry.name) for m in matches] == expected
    assert all(text[m.start : m.end] == m.text for m in matches)


@pytest.mark.parametrize(
    ("surface", "expected"),
    [
        ("DPRK", "North Korea"),
        ("Democratic People’s Republic of Korea", "North Korea"),
        ("democratic peoples republic of korea", "North Korea"),
        ("U.S.", "United States"),
        ("USA", "United States"),
        ("us", None),
        ("Kim Jong-un", "Kim Jong Un"),
        ("Kim Jongun", "Kim Jong Un"),
        ("Vladivostok", "Vladivostok"),
        ("Interfax news agency", "Interfax"),
        ("Nowhere Land", None),
        ("", None),
    ],
)
def test_lookup(surface: str, expected: str | None) -> None:
    entry = TABLE.lookup(surface)
    assert (entry.name if entry else None) == expected


def test_config_table_is_valid_and_general() -> None:
    kinds = {e.kind for e in TABLE.entries}
    assert kinds <= {"person", "organization", "location", "other"}
    assert len(TABLE) >= 40
    names = {e.name for e in TABLE.entries}
    assert {"North Korea", "United States", "Korean Central News Agency", "Russia"} <= names
    assert {"Kim Jong Un", "Vladimir Putin"} <= names


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"entities": [{"name": "A", "type": "place"}]}, "type"),
        ({"entities": [{"type": "person"}]}, "name"),
        (
            {
                "entities": [
                    {"name": "Georgia", "type": "location"},
                    {"name": "Georgia (US state)", "type": "location", "aliases": ["Georgia"]},
                ]
            },
            "already belongs",
        ),
        (
            {
                "entities": [
                    {"name": "Kim Jong Un", "type": "person"},
                    {"name": "Other", "type": "person", "aliases": ["KIM JONG-UN"]},
                ]
            },
            "clashes",
        ),
    ],
)
def test_parse_rejects_bad_tables(data: dict, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_alias_table(data)


def test_empty_table() -> None:
    assert parse_alias_table(None).find("North Korea") == []


def test_many_aliases() -> None:
    # Lookup is by n-gram, so thousands of aliases stay cheap and exact.
    entries = [AliasEntry(f"Place{i} City", "location", (f"Town{i}",)) for i in range(5000)]
    table = AliasTable([*entries, AliasEntry("North Korea", "location", ("DPRK",))])
    text = "From Town4999 to Place17 City via the DPRK. " * 50
    names = [m.entry.name for m in table.find(text)]
    assert names[:3] == ["Place4999 City", "Place17 City", "North Korea"]
    assert len(names) == 150
