"""Re-derivation from what is stored: which alias-table edits touch which strings."""

from __future__ import annotations

from typing import Any

import pytest

from etl.merges import map_fingerprint
from etl.reprocess import MergePlan, changed_strings

BASE = """
entities:
  - name: Vostochny Cosmodrome
    type: location
    aliases: [Vostochny spaceport]
  - name: Vladimir Putin
    type: person
    aliases: [Putin]
ignore: [UTC]
"""


@pytest.mark.parametrize(
    ("edited", "expected"),
    [
        (BASE, set()),
        # A rename: old and new name, and the aliases of both versions of the entry.
        (
            BASE.replace("name: Vostochny Cosmodrome", "name: Vostochny Space Center"),
            {"Vostochny Cosmodrome", "Vostochny Space Center", "Vostochny spaceport"},
        ),
        # An alias added to one entry touches that entry only.
        (
            BASE.replace("aliases: [Putin]", "aliases: [Putin, V. Putin]"),
            {"Vladimir Putin", "Putin", "V. Putin"},
        ),
        # A type change.
        (
            BASE.replace("type: location", "type: organization"),
            {"Vostochny Cosmodrome", "Vostochny spaceport"},
        ),
        # A place's country or point (etl.geo) changes its documents' geo facets.
        (
            BASE.replace("type: location", "type: location\n    point: [51.884, 128.333]"),
            {"Vostochny Cosmodrome", "Vostochny spaceport"},
        ),
        (
            BASE.replace("type: location", "type: location\n    country: RU"),
            {"Vostochny Cosmodrome", "Vostochny spaceport"},
        ),
        # A new entry, and an ignore-list change.
        (
            BASE.replace("ignore:", "  - name: Roscosmos\n    type: organization\nignore:"),
            {"Roscosmos"},
        ),
        (BASE.replace("ignore: [UTC]", "ignore: [UTC, GMT]"), {"GMT"}),
        # Order and layout of the file are no change.
        (
            "ignore: [UTC]\nentities:\n"
            "  - {name: Vladimir Putin, type: person, aliases: [Putin]}\n"
            "  - {name: Vostochny Cosmodrome, type: location, aliases: [Vostochny spaceport]}\n",
            set(),
        ),
    ],
)
def test_changed_strings(edited: str, expected: set[str]) -> None:
    assert changed_strings(BASE, edited) == expected


FP = "pipeline.merges"
GUY = {"Richard Guy": "Richard K. Guy"}
GUY_FP = map_fingerprint(GUY)
ELSEWHERE = {"bool": {"must_not": [{"term": {FP: GUY_FP}}]}}  # another map, or none
WITH_A_MAP = {"exists": {"field": FP}}
HOLDING = {"terms": {"entities.persons": ["Richard Guy", "Richard K. Guy"]}}


@pytest.mark.parametrize(
    ("merges", "old", "moved", "unmoved"),
    [
        # Nothing merged before or now: no query, no document touched.
        ({}, {}, None, None),
        # A first map: documents made without it holding one of its names are re-derived;
        # those made with an old map and holding none only get the new fingerprint.
        (
            GUY,
            {},
            {"bool": {"filter": [ELSEWHERE, HOLDING]}},
            {"bool": {"filter": [ELSEWHERE, WITH_A_MAP], "must_not": [HOLDING]}},
        ),
        # The map emptied (a third variant arrived): documents made with the old one.
        (
            {},
            GUY,
            {"bool": {"filter": [WITH_A_MAP, HOLDING]}},
            {"bool": {"filter": [WITH_A_MAP], "must_not": [HOLDING]}},
        ),
        # An old map that is not kept: every document made with another map.
        (GUY, None, ELSEWHERE, None),
    ],
)
def test_merge_plan_queries(
    merges: dict[str, str],
    old: dict[str, str] | None,
    moved: dict[str, Any] | None,
    unmoved: dict[str, Any] | None,
) -> None:
    plan = MergePlan(merges, old)
    assert plan.moved() == moved
    assert plan.unmoved() == unmoved
