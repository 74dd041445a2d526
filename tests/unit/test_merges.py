"""Merging one person's variants across the corpus only when it is safe (issue 14, item 4)."""

from __future__ import annotations

import pytest

from etl.gazetteer import AliasEntry, AliasTable
from etl.merges import apply_merges, map_fingerprint, merge_map, names_of, unmerged
from etl.records import Entities

BUSH_TABLE = AliasTable([AliasEntry("George W. Bush", "person", ("Bush",))])
GUY_TABLE = AliasTable([AliasEntry("Richard K. Guy", "person")])


@pytest.mark.parametrize(
    ("values", "table", "expected"),
    [
        # The case: into the more complete form.
        ({"Richard Guy": 3, "Richard K. Guy": 1}, None, {"Richard Guy": "Richard K. Guy"}),
        # A third middle: two people may hide behind "Richard Guy" -> nothing merged.
        ({"Richard Guy": 3, "Richard K. Guy": 1, "Richard J. Guy": 1}, None, {}),
        # George Bush, George W. Bush, George H. W. Bush: two people, so no merge at all.
        ({"George Bush": 5, "George W. Bush": 4, "George H. W. Bush": 2}, None, {}),
        ({"George W. Bush": 4, "George H. W. Bush": 2}, None, {}),
        # The alias table knows George W. Bush: its editor decides, not this rule.
        ({"George Bush": 5, "George W. Bush": 4}, BUSH_TABLE, {}),
        ({"George Bush": 5, "George W. Bush": 4}, None, {"George Bush": "George W. Bush"}),
        ({"Richard Guy": 3, "Richard K. Guy": 1}, GUY_TABLE, {}),
        # Initial consistent with the middle name: one person, into the full name.
        (
            {"Richard K. Guy": 2, "Richard Kenneth Guy": 1, "Richard Guy": 1},
            None,
            {"Richard K. Guy": "Richard Kenneth Guy", "Richard Guy": "Richard Kenneth Guy"},
        ),
        ({"Richard J. Guy": 2, "Richard Kenneth Guy": 1}, None, {}),
        ({"Richard Ken Guy": 2, "Richard Kenneth Guy": 1}, None, {}),
        # Initials with or without their period are one initial.
        (
            {"John F Kennedy": 1, "John Fitzgerald Kennedy": 1},
            None,
            {"John F Kennedy": "John Fitzgerald Kennedy"},
        ),
        ({"John Kennedy": 1, "John F Kennedy": 1}, None, {"John Kennedy": "John F Kennedy"}),
        # Two middles of different lengths: not the same middle.
        ({"George W. Bush": 1, "George H. W. Bush": 1, "George Herbert Walker Bush": 1}, None, {}),
        (
            {"George H. W. Bush": 1, "George Herbert Walker Bush": 1},
            None,
            {"George H. W. Bush": "George Herbert Walker Bush"},
        ),
        # Suffixes differ: different people, and a bare name could be either.
        ({"Martin Luther King Jr.": 5, "Martin King": 1}, None, {}),
        ({"Hank Williams Jr.": 2, "Hank Williams Sr.": 1, "Hank M. Williams": 1}, None, {}),
        (
            {"Ken Griffey Jr.": 2, "Ken K. Griffey Jr.": 1},
            None,
            {"Ken Griffey Jr.": "Ken K. Griffey Jr."},
        ),
        # Not "First Middle Last": particles, lone initials, one word.
        ({"Mohammed Salman": 1, "Mohammed bin Salman": 3}, None, {}),
        ({"R. Guy": 1, "Richard K. Guy": 1}, None, {}),
        ({"Guy": 1, "Richard Guy": 1}, None, {}),
        # Different first or last names are never grouped.
        ({"Richard Guy": 1, "Rick K. Guy": 1, "Richard K. Gay": 1}, None, {}),
        # Same middle, different spelling of a variant: the most frequent wins the tie.
        ({"Richard K Guy": 1, "Richard K. Guy": 2}, None, {"Richard K Guy": "Richard K. Guy"}),
        # A second surname (Spanish naming): into the one longer form.
        (
            {"Wanda Vazquez": 2, "Wanda Vazquez Garced": 1},
            None,
            {"Wanda Vazquez": "Wanda Vazquez Garced"},
        ),
        (
            {"Pedro Pierluisi": 2, "Pedro R. Pierluisi Urrutia": 1},
            None,
            {"Pedro Pierluisi": "Pedro R. Pierluisi Urrutia"},
        ),
        # Two longer forms, a different middle, a first name as surname, a suffix: left alone.
        ({"Ana Lopez": 1, "Ana Lopez Garcia": 1, "Ana Lopez Perez": 1}, None, {}),
        ({"Ana M. Lopez": 1, "Ana J. Lopez Garcia": 1}, None, {}),
        ({"Martin Luther": 1, "Martin Luther King": 1}, None, {}),
        ({"Juan Lopez": 1, "Juan Lopez Garcia Jr.": 1}, None, {}),
        (
            {"Wanda Vazquez": 2, "Wanda Vazquez Garced": 1},
            AliasTable([AliasEntry("Wanda Vazquez", "person")]),
            {},
        ),
        ({}, None, {}),
    ],
)
def test_merge_map(
    values: dict[str, int], table: AliasTable | None, expected: dict[str, str]
) -> None:
    assert merge_map(values, table) == expected


def test_apply_merges_sums_mentions_and_keeps_salience_order() -> None:
    ents = Entities(
        persons=("Richard Guy", "Elwyn Berlekamp", "Richard K. Guy"),
        organizations=("University of Calgary",),
        mentions={
            "Richard Guy": 3,
            "Elwyn Berlekamp": 2,
            "University of Calgary": 2,
            "Richard K. Guy": 1,
        },
        spans=(("Richard Guy", "PERSON", 0, 11),),
    )
    out = apply_merges(ents, {"Richard Guy": "Richard K. Guy"})
    assert out.persons == ("Richard K. Guy", "Elwyn Berlekamp")
    assert out.mentions == {"Richard K. Guy": 4, "Elwyn Berlekamp": 2, "University of Calgary": 2}
    assert list(out.mentions) == ["Richard K. Guy", "Elwyn Berlekamp", "University of Calgary"]
    assert out.spans == ents.spans  # the model's spans stay: the merge can be undone
    assert apply_merges(ents, {}) is ents
    assert apply_merges(ents, {"George Bush": "George W. Bush"}) is ents


def test_a_merged_variant_is_seen_again_through_the_old_map() -> None:
    old = {"Richard Guy": "Richard K. Guy"}
    # The index shows only the target; the old map brings the variant back (count unknown).
    values = unmerged({"Richard K. Guy": 2, "Richard J. Guy": 1}, old)
    assert values == {"Richard K. Guy": 2, "Richard J. Guy": 1, "Richard Guy": 0}
    assert merge_map(values) == {}  # the third variant undoes the merge
    assert unmerged({"Someone Else": 1}, old) == {"Someone Else": 1}


def test_map_fingerprint_and_names() -> None:
    assert map_fingerprint({}) is None
    a = map_fingerprint({"Richard Guy": "Richard K. Guy"})
    assert a and a == map_fingerprint({"Richard Guy": "Richard K. Guy"})
    assert a != map_fingerprint({"John Kennedy": "John F. Kennedy"})
    assert names_of({"a": "b"}, {"c": "b"}) == {"a", "b", "c"}
