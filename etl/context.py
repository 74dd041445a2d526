"""The run context: what every stage of one run shares, small enough for Airflow's XCom."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class RunContext:
    """Everything the stages of one run share; small and JSON-serializable."""

    run_id: str
    alias: str
    mode: str  # "incremental" | "full"
    target_index: str | None  # the concrete index written (a new generation for full runs)
    input_root: str
    started_at: str  # ISO 8601, UTC
    since: str | None
    dry_run: bool
    staging: str
    workers: int = 1  # processes that read, clean and annotate (the CLI's --workers)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunContext:
        return cls(**d)

    @classmethod
    def refused(
        cls, *, run_id: str, input_root: str, alias: str, mode: str, dry_run: bool
    ) -> RunContext:
        """The context of a run refused at its start: enough for its failed run record."""
        return cls(
            run_id=run_id,
            alias=alias,
            mode=mode,
            target_index=None,
            input_root=input_root,
            started_at=datetime.now(UTC).isoformat(),
            since=None,
            dry_run=dry_run,
            staging="",
        )

    @property
    def incremental(self) -> bool:
        return self.mode == "incremental"


def new_run_id() -> str:
    """A sortable, unique run id."""
    return f"run-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
