"""Alias table and gazetteer matcher: text -> expected matches (no model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.gazetteer import (
    AliasEntry,
    AliasTable,
    AliasTableError,
    load_alias_table,
    parse_alias_table,
)
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


@pytest.mark.parametrize(
    ("item", "countries", "point"),
    [
        ({"country": "RU", "point": [51.884, 128.333]}, ("RU",), (51.884, 128.333)),
        ({"country": ["KP", "KR"]}, ("KP", "KR"), None),
        ({"point": [0, -180]}, (), (0.0, -180.0)),
        ({"country": "SU"}, ("SU",), None),  # withdrawn ISO code (Soviet Union)
        ({}, (), None),
    ],
)
def test_location_geo_fields(item: dict, countries: tuple, point: tuple | None) -> None:
    table = parse_alias_table({"entities": [{"name": "X", "type": "location", **item}]})
    assert (table.entries[0].countries, table.entries[0].point) == (countries, point)


def test_config_geo_fields() -> None:
    entry = TABLE.lookup("Vostochny Cosmodrome")
    assert entry is not None and entry.countries == ("RU",) and entry.point is not None


@pytest.mark.parametrize(
    ("item", "error"),
    [
        ({"type": "person", "country": "RU"}, "locations only"),
        ({"type": "location", "country": "Russia"}, "ISO 3166-1"),
        ({"type": "location", "country": "ru"}, "ISO 3166-1"),
        ({"type": "location", "country": "XX"}, "ISO 3166-1"),
        ({"type": "location", "point": [91, 0]}, r"\[lat, lon\]"),
        ({"type": "location", "point": [0, 181]}, r"\[lat, lon\]"),
        ({"type": "location", "point": [51.9]}, r"\[lat, lon\]"),
        ({"type": "location", "point": "51.9, 128.3"}, r"\[lat, lon\]"),
        ({"type": "location", "point": [True, 1]}, r"\[lat, lon\]"),
    ],
)
def test_bad_geo_fields(item: dict, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_alias_table({"entities": [{"name": "X", **item}]})


def test_bad_geo_field_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "entities.yml"
    path.write_text(
        "entities:\n"
        "  - name: Moscow\n"
        "    type: location\n"
        "  - name: Vostochny Cosmodrome\n"
        "    type: location\n"
        "    point: [51.9]\n",
        encoding="utf-8",
    )
    with pytest.raises(AliasTableError, match=r"entities\.yml:4: point of 'Vostochny"):
        load_alias_table(path)
