"""Re-derivation from what is stored: which alias-table edits touch which strings."""

from __future__ import annotations

import pytest

from etl.reprocess import changed_strings

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
