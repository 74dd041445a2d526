"""The kinds of named entity the pipeline facets on."""

from __future__ import annotations

from typing import Literal

Kind = Literal["person", "organization", "location", "other"]
KINDS: tuple[Kind, ...] = ("person", "organization", "location", "other")
