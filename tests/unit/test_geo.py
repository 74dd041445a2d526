"""Places -> country and point: names (with their document's other places) -> expected place."""

from __future__ import annotations

import pytest

from etl.gazetteer import AliasEntry, AliasTable, load_alias_table
from etl.geo import (
    Place,
    choose,
    locate,
    parse_places_config,
    place_evidence,
    place_names,
    places_config,
    possessive_country,
    reference,
    resolve_places,
)
from etl.records import Entities
from etl.settings import PROJECT_ROOT

TABLE = load_alias_table(PROJECT_ROOT / "config" / "entities.yml")


def _country(
    name: str, others: tuple[str, ...] = (), table: AliasTable | None = None
) -> str | None:
    place = resolve_places([name, *others], table)[name]
    return ",".join(place.countries) if place is not None else None


@pytest.mark.parametrize(
    ("name", "country"),
    [
        # countries: GeoNames and ISO 3166 names, and the short forms config/facets.yml adds
        ("United States", "US"),
        ("United States of America", "US"),
        ("Britain", "GB"),
        ("United Kingdom", "GB"),
        ("South Korea", "KR"),
        ("Republic of Korea", "KR"),
        ("North Korea", "KP"),
        ("Russia", "RU"),
        ("Russian Federation", "RU"),
        ("Iran", "IR"),
        ("Viet Nam", "VN"),
        ("the Philippines", "PH"),
        # cities
        ("Moscow", "RU"),  # Moscow, Idaho is 400 times smaller
        ("Pyongyang", "KP"),
        ("Vladivostok", "RU"),
        ("Komsomolsk-on-Amur", "RU"),
        ("The Hague", "NL"),
        ("Sao Paulo", "BR"),
        ("São Paulo", "BR"),
        ("Paris", "FR"),  # no context: 86 times Paris, Texas
        ("London", "GB"),
        # subdivisions: ISO 3166-2 names, and English "X Oblast"/"X Krai" forms of them
        ("Amur Oblast", "RU"),
        ("Primorsky Krai", "RU"),
        ("Kherson Oblast", "UA"),
        ("Hebei Province", "CN"),
        ("California", "US"),
        ("Texas", "US"),
        ("Florida", "US"),  # a state of 13 million people, not Florida, Cuba
        ("Bavaria Region", None),  # neither source spells Bayern in English
        # ambiguous between countries with no clear winner: left without geo
        ("Georgia", None),
        ("Victoria", None),
        # not places, or not known: no geo (and not dropped: see test_unknown_kept)
        ("West", None),  # a region of Cameroon in ISO 3166-2, a direction in English
        ("Earth", None),
        ("Angara", None),  # an old name of Ankara, and a rocket: alternate names need context
        ("Far East", None),
        ("Atlantis Prime", None),
    ],
)
def test_one_name(name: str, country: str | None) -> None:
    assert _country(name) == country


@pytest.mark.parametrize(
    ("name", "others", "country"),
    [
        ("Paris", ("France",), "FR"),
        ("Paris", ("Texas",), "US"),
        ("Paris", ("Dallas",), "US"),
        ("Paris", ("United States",), None),  # a country named is weak evidence
        ("Paris", ("Dallas", "France"), "US"),  # a city in Texas is stronger than a country
        ("Paris", ("Texas", "France"), "US"),
        ("Moscow", ("United States",), "RU"),  # Idaho x 30 against Russia's 10 million
        ("Moscow", ("Idaho",), "US"),
        ("San Juan", ("Puerto Rico", "United States"), "PR"),
        ("Venezuela", ("Cuba",), "VE"),  # a country's name is no town's
        ("Taiwan", ("China",), "TW"),  # not ISO 3166-2's CN-TW
        ("Oklahoma", (), "US"),
        ("Moscow", ("United States", "Russia"), "RU"),
        ("Georgia", ("Tbilisi",), "GE"),
        ("Georgia", ("Atlanta",), "US"),
        ("Georgia", ("United States",), "US"),
        ("Victoria", ("Australia",), "AU"),
        ("Victoria", ("Canada",), "CA"),
        ("Angara", ("Turkey",), "TR"),
        # an ambiguous place is no context for another
        ("Georgia", ("Victoria",), None),
    ],
)
def test_context(name: str, others: tuple[str, ...], country: str | None) -> None:
    assert _country(name, others) == country


def test_points() -> None:
    got = resolve_places(["Moscow", "Russia", "California", "Amur Oblast", "Asia"])
    moscow, russia, california, amur, asia = got.values()
    assert moscow is not None and moscow.point is not None
    assert moscow.point == pytest.approx((55.75, 37.62), abs=0.01)
    assert russia is not None and russia.point == moscow.point  # a country's is its capital's
    assert california is not None and california.point is not None
    assert 32.5 < california.point[0] < 42 and -124.5 < california.point[1] < -114  # inside
    assert amur is not None and amur.point is None  # ISO 3166-2 has no coordinates
    assert asia == Place("Asia", "continent")  # known, but no country and no point


def test_alias_table_wins() -> None:
    table = AliasTable(
        [
            AliasEntry("Moscow", "location", point=(1.0, 2.0)),
            AliasEntry("Georgia", "location", countries=("US",)),
            AliasEntry("Korean Peninsula", "location", countries=("KP", "KR")),
        ]
    )
    moscow = resolve_places(["Moscow"], table)["Moscow"]
    assert moscow == Place("Moscow", "alias", ("RU",), (1.0, 2.0))  # country from GeoNames
    got = resolve_places(["Georgia", "Korean Peninsula"], table)
    georgia = got["Georgia"]
    assert georgia is not None and georgia.countries == ("US",)
    assert georgia.point is not None and georgia.point[1] < -80  # the state's, not Tbilisi
    assert got["Korean Peninsula"] == Place("Korean Peninsula", "alias", ("KP", "KR"))


def test_config_alias_table_places() -> None:
    got = resolve_places(["Vostochny Cosmodrome", "Soviet Union", "Washington"], TABLE)
    vostochny = got["Vostochny Cosmodrome"]
    assert vostochny is not None and vostochny.countries == ("RU",)
    assert vostochny.point is not None
    assert 48.9 < vostochny.point[0] < 56.9 and 119.6 < vostochny.point[1] < 134.9  # Amur Oblast
    assert got["Soviet Union"] is not None and got["Soviet Union"].countries == ("SU",)
    washington = got["Washington"]
    assert washington is not None and washington.point == pytest.approx((38.9, -77.04), abs=0.01)


def test_locate() -> None:
    entities = Entities(
        persons=("Kim Jong Un",),
        locations=("Vladivostok", "North Korea", "Atlantis Prime", "Georgia", "Moscow"),
    )
    got = locate(entities, TABLE)
    assert got.countries == ("KP", "RU")  # sorted, unique; Georgia stays ambiguous
    assert len(got.points) == 3  # Vladivostok, Pyongyang (North Korea's capital), Moscow
    assert got.locations == entities.locations  # unknown names are kept
    assert got.persons == entities.persons


@pytest.mark.parametrize(
    ("locations", "expected"),
    [
        (("UAE", "Dubai"), {"UAE": "United Arab Emirates"}),  # initials of a country's name
        (("Slovak Republic",), {"Slovak Republic": "Slovakia"}),
        (("Netherlands",), {}),  # GeoNames' "The Netherlands" without "The"
        (("Louisiana", "Lousiana"), {"Lousiana": "Louisiana"}),  # one letter off a known place
        (
            ("Bradley Airport", "Bradley International Airport"),
            {"Bradley Airport": "Bradley International Airport"},
        ),
        (("New York", "New York City"), {}),  # the last words differ
        (("US", "North Korea"), {}),  # the alias table's names stay
        (("Northern Cyprus",), {}),  # a country found by its parts keeps its name
    ],
)
def test_place_names(locations: tuple[str, ...], expected: dict[str, str]) -> None:
    assert place_names(resolve_places(locations, TABLE), TABLE) == expected


def test_locate_renames() -> None:
    entities = Entities(
        locations=("United Arab Emirates", "UAE"), mentions={"United Arab Emirates": 2, "UAE": 1}
    )
    got = locate(entities, TABLE)
    assert got.locations == ("United Arab Emirates",)
    assert got.mentions == {"United Arab Emirates": 3}
    assert got.countries == ("AE",)


@pytest.mark.parametrize(
    ("name", "others", "expected"),
    [
        ("Atlantis Prime", (), "unknown"),
        ("Paris", (), "known"),
        ("Texas", (), "known"),  # a region
        ("Jupiter", (), "weak"),  # a Florida town only, nothing else in the US
        ("Jupiter", ("Miami",), "known"),
        ("Jupiter", ("Saturn",), "weak"),
        ("Oxfordshire", (), "weak"),  # a minor region: no weight
        ("Oxfordshire", ("England",), "known"),
    ],
)
def test_place_evidence(name: str, others: tuple[str, ...], expected: str) -> None:
    assert place_evidence(name, others) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Oxfordshire", "GB"),
        ("Riverside County", "US"),
        ("Allegheny County", "US"),
        # found by their parts
        ("Winchester, Hampshire", "GB"),  # the first part in the second's country
        ("Atlantis, Hampshire", None),
        ("South London", "GB"),  # a direction before a place
        ("Tandag City", "PH"),  # a city before a word that says so
        ("Sola Airport", "NO"),
    ],
)
def test_minor_regions(name: str, expected: str | None) -> None:
    assert _country(name) == expected  # second-level ISO subdivisions, US counties


@pytest.mark.parametrize(
    ("name", "others", "expected"),
    [
        ("Strickland Street", ("Christchurch", "New Zealand"), "NZ"),  # the document's country
        ("Strickland Street", ("Wellington", "Sydney"), None),  # places in two countries
        ("Strickland Street", (), None),
        ("Atlantis Prime", ("Wellington",), None),  # no street, building or landmark word
    ],
)
def test_local_places(name: str, others: tuple[str, ...], expected: str | None) -> None:
    place = resolve_places([name, *others])[name]
    assert (place.countries[0] if place else None) == expected
    assert place is None or place.point is None


def test_unknown_kept() -> None:
    entities = Entities(locations=("Atlantis Prime",))
    got = locate(entities, TABLE)
    assert (got.locations, got.countries, got.points) == (("Atlantis Prime",), (), ())


@pytest.mark.parametrize(
    ("weights", "ratio", "expected"),
    [
        ((("FR", 2_000_000), ("US", 25_000)), 5, "FR"),
        ((("FR", 2_000_000), ("US", 500_000)), 5, None),
        ((("FR", 2_000_000), ("US", 500_000)), 3, "FR"),
        ((("FR", 0), ("US", 0)), 5, None),
    ],
)
def test_ratio_rule(
    weights: tuple[tuple[str, int], ...], ratio: float, expected: str | None
) -> None:
    cands = [Place("X", "city", (cc,), (0.0, 0.0), float(w)) for cc, w in weights]
    got = choose(cands, {}, ratio)
    assert (got.countries[0] if got else None) == expected


def test_config() -> None:
    conf = places_config()
    assert conf.min_city_population == 15000
    assert conf.country_names["Britain"] == "GB"
    assert "oblast" in {s.casefold() for s in conf.region_suffixes}
    assert parse_places_config(None).ambiguity_ratio == 5.0


def test_index_loads_once() -> None:
    assert reference() is reference()
    assert reference().load_seconds < 10  # ~1.3 s on the 2-core benchmark machine


@pytest.mark.parametrize(("geo", "countries"), [(True, ("KP", "RU")), (False, ())])
def test_entities_stage_switch(geo: bool, countries: tuple[str, ...]) -> None:
    from etl.entities import gazetteer_entities

    found = gazetteer_entities(
        "Kim Jong Un rode from Pyongyang to Vladivostok.", TABLE, validate=geo
    )
    assert found.countries == countries
    assert len(found.points) == len(countries)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a space center in Russia's Far East on Wednesday", "RU"),
        ("a cosmodrome in Russia\u2019s Far East.", "RU"),
        ("in Russia's Far East and later in the Far East", "RU"),  # one owner is enough
        ("Russia's Far East and China's Far East", None),  # two owners: undecided
        ("President Vladimir Putin's Far East trip", None),  # a person is no country
        ("the Far East", None),  # never written as a country's
    ],
)
def test_possessive_country(text: str, expected: str | None) -> None:
    assert possessive_country("Far East", text, reference()) == expected


def test_a_place_written_as_a_countrys_gets_that_country_without_a_point() -> None:
    text = "Kim and Putin met in Russia's Far East, near Vladivostok."
    got = resolve_places(["Far East", "Vladivostok"], TABLE, text=text)
    far_east = got["Far East"]
    assert far_east is not None and far_east.countries == ("RU",) and far_east.point is None
    assert resolve_places(["Far East"], TABLE)["Far East"] is None  # without the text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("two more cities in the Russian Far East on his own", "RU"),
        ("the Japanese Far East", "JP"),  # Japanese -> Japan
        ("the Eastern Far East", None),  # "Easter"/"Easte" are no countries
    ],
)
def test_country_adjective(text: str, expected: str | None) -> None:
    assert possessive_country("Far East", text, reference()) == expected
