"""Suggested aliases: which facet values look like one entity (input values -> merges)."""

from __future__ import annotations

import pytest

from etl.suggest import Value, suggest


def P(name: str, docs: int = 1) -> Value:
    return Value(name, "person", docs)


def O(name: str, docs: int = 1) -> Value:  # noqa: E743 - reads like the facet it stands for
    return Value(name, "organization", docs)


def L(name: str, docs: int = 1) -> Value:
    return Value(name, "location", docs)


def _merges(values: list[Value], together_docs: int = 1) -> set[tuple[str, str]]:
    found = suggest(values, together=lambda a, b: together_docs)
    return {(alias, s.name) for s in found for alias in s.aliases}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # A surname beside exactly one full name; two candidates leave it alone.
        ([P("Vladimir Putin", 9), P("Putin", 3)], {("Putin", "Vladimir Putin")}),
        ([P("Kim Jong Un"), P("Kim Yo Jong"), P("Kim")], set()),  # a family name written first
        ([P("George Bush"), P("Laura Bush"), P("Bush")], set()),
        # A title in front of a person.
        (
            [P("Donald Trump", 5), P("President Trump"), P("Trump", 2)],
            {("Trump", "Donald Trump"), ("President Trump", "Donald Trump")},
        ),
        ([P("Joe Biden", 5), P("President Joe Biden")], {("President Joe Biden", "Joe Biden")}),
        # ...but an organisation's first word is no title.
        ([O("Supreme Court"), O("Court")], set()),
        # A middle initial, only when one way to fill the middle exists.
        ([P("Richard Guy"), P("Richard K. Guy", 2)], {("Richard Guy", "Richard K. Guy")}),
        ([P("George Bush"), P("George W. Bush"), P("George H. W. Bush")], set()),
        # Acronyms of spelled-out names seen in the same documents.
        (
            [O("National Hurricane Center", 4), O("NHC", 2)],
            {("NHC", "National Hurricane Center")},
        ),
        ([O("CC BY-SA", 4), O("CBS", 2)], set()),  # a licence code, not words
        # Close spellings: transliterations and typos, not plurals or cuts.
        ([P("Hamza bin Laden", 3), P("Hamza bin Ladin")], {("Hamza bin Ladin", "Hamza bin Laden")}),
        (
            [O("Bharatiya Janata Party", 5), O("Bharatiya Janta Party")],
            {("Bharatiya Janta Party", "Bharatiya Janata Party")},
        ),
        ([L("America", 5), L("Americas")], set()),
        ([L("Benin", 2), L("Beni")], set()),
        ([L("Paris"), L("Peru")], set()),
        # Different types are never merged.
        ([P("Jordan"), L("Jordan")], set()),
    ],
)
def test_suggested_merges(values: list[Value], expected: set[tuple[str, str]]) -> None:
    assert _merges(values) == expected


def test_an_acronym_never_seen_with_its_expansion_is_not_suggested() -> None:
    values = [O("Democratic Rally in Cyprus", 2), O("DRC", 5)]
    assert _merges(values, together_docs=0) == set()
    assert suggest(values) == []  # no co-occurrence counts at all: no acronyms


def test_ranked_by_the_documents_a_merge_fixes_with_yaml_to_paste() -> None:
    found = suggest([P("Vladimir Putin", 9), P("Putin", 3), P("Richard Guy"), P("Richard K. Guy")])
    assert [s.name for s in found] == ["Vladimir Putin", "Richard K. Guy"]
    assert found[0].docs == {"Vladimir Putin": 9, "Putin": 3}
    assert found[0].yaml() == ("  - name: Vladimir Putin\n    type: person\n    aliases: [Putin]")
    quoted = suggest([O("Ministry of Justice: Tokyo", 3), O("Ministry of Justice: Tokio")])
    assert quoted[0].yaml().startswith('  - name: "Ministry of Justice: Tokyo"')
