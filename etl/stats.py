"""What each stage reports back: small typed records, staged as JSON or passed through XCom.

discover -> :class:`DiscoverSummary`, process (per batch) -> :class:`BatchStats`,
load (per batch) -> :class:`LoadCounts`. The run record adds them up (:mod:`etl.runs`); the
count names are these classes' fields and are written nowhere else.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, TypeVar

STAGES = ("read", "clean", "entities", "load")
# Seconds a run record reports: the batches' stages, then the story pass after all loads.
RUN_STAGES = (*STAGES, "stories")
# What an incremental run may re-derive although a document's file did not change.
# "merges": one person's variants merged or un-merged across the index (etl.merges).
REDO_STAGES = ("clean", "metadata", "ner", "entities", "merges")

_T = TypeVar("_T", bound="_Json")


class _Json:
    """to/from plain JSON for the dataclasses below; unknown keys (a newer writer) are ignored."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_json(cls: type[_T], data: dict[str, Any]) -> _T:
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class DiscoverSummary(_Json):
    """What discover found: files seen, skipped unread, and the batches it cut."""

    files_seen: int = 0
    skipped_unchanged: int = 0
    batches: int = 0
    documents: int = 0  # expected: one per file, the record count of each JSON-lines span
    # Documents of files re-read, their bytes unchanged, because a stage's fingerprint is stale.
    stale_docs: dict[str, int] = field(default_factory=dict)


@dataclass
class BatchStats(_Json):
    """What processing one batch made: documents, quarantined items, warnings, time per stage."""

    docs: int = 0
    quarantined: int = 0
    warnings: int = 0
    models: list[str] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(
        default_factory=lambda: {"read": 0.0, "clean": 0.0, "entities": 0.0}
    )


@dataclass
class LoadCounts(_Json):
    """Where each staged document of one batch ended up; every document is in one count."""

    staged: str = ""  # the staged batch these counts are of
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0  # refused by Elasticsearch
    quarantined: int = 0  # refused + duplicates of a document this run already loaded
    removed: int = 0  # documents a re-read file no longer produces
    would_load: int = 0  # dry runs: documents that would have been loaded
    # Documents re-derived because a stage's fingerprint was stale, their file unchanged.
    reprocessed: int = 0
    reprocessed_stages: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, kind: str, n: int = 1) -> None:
        """Count ``n`` documents as ``kind`` (one of the int fields)."""
        setattr(self, kind, getattr(self, kind) + n)

    def add_reprocessed(self, stage: str, n: int = 1) -> None:
        """Count ``n`` documents re-derived from ``stage`` on (clean, metadata, entities, ner)."""
        self.reprocessed += n
        self.reprocessed_stages[stage] = self.reprocessed_stages.get(stage, 0) + n


@dataclass
class RunCounts(_Json):
    """A run record's ``counts``: what the run's discover and batches add up to."""

    files_seen: int = 0
    files_skipped: int = 0  # unchanged files skipped without being read
    processed: int = 0  # documents read, cleaned and annotated by this run
    new: int = 0
    updated: int = 0
    unchanged: int = 0  # documents found unchanged, plus files skipped unread
    removed: int = 0
    quarantined: int = 0
    failed: int = 0
    warnings: int = 0
    # Documents re-derived because a stage's fingerprint was stale (their files unchanged),
    # and how many from each stage on: clean and metadata re-read the file; entities
    # re-canonicalises the stored model spans; ner runs the model on the stored text.
    reprocessed: int = 0
    reprocessed_stages: dict[str, int] = field(default_factory=dict)

    def add_discover(self, found: DiscoverSummary) -> None:
        self.files_seen += found.files_seen
        self.files_skipped += found.skipped_unchanged
        self.unchanged += found.skipped_unchanged

    def add_batch(self, stats: BatchStats, load: LoadCounts) -> None:
        self.processed += stats.docs
        self.quarantined += stats.quarantined + load.quarantined
        self.warnings += stats.warnings
        for name in ("new", "updated", "unchanged", "failed", "removed", "reprocessed"):
            setattr(self, name, getattr(self, name) + getattr(load, name))
        for stage, n in load.reprocessed_stages.items():
            self.reprocessed_stages[stage] = self.reprocessed_stages.get(stage, 0) + n

    @property
    def loaded(self) -> int:
        """Documents the target index holds after this run's loads."""
        return self.new + self.updated + self.unchanged + self.reprocessed
