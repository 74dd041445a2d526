"""One run per alias at a time: a lease document in ``ALIAS-runs``.

The lease is created with ``op_type=create`` (only one creator can win), holds the run id and
an expiry, and is renewed as the run goes on. A second run waits for it up to
``elasticsearch.lease_wait_seconds``, then stops with one line; a lease whose holder died
expires and is taken over with a compare-and-set, so two waiting runs cannot both take it.
"""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from elasticsearch import ConflictError, NotFoundError

from etl.errors import PipelineError
from etl.settings import Settings

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

LEASE_ID = "lease"
POLL_SECONDS = 2.0


class LeaseHeld(PipelineError):
    """Another run holds the alias."""


def _body(run_id: str, minutes: int) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "lease": {
            "holder": run_id,
            "acquired_at": now.isoformat(),
            "expires_at": (now + timedelta(minutes=minutes)).isoformat(),
        }
    }


def acquire(es: Elasticsearch, name: str, alias: str, run_id: str, settings: Settings) -> None:
    """Take the lease in runs index ``name`` for ``run_id``, waiting for another holder;
    LeaseHeld if it stays held past the wait."""
    conf = settings.elasticsearch
    deadline = time.monotonic() + conf.lease_wait_seconds
    while True:
        try:
            es.index(
                index=name,
                id=LEASE_ID,
                document=_body(run_id, conf.lease_minutes),
                op_type="create",
                refresh=True,
            )
            return
        except ConflictError:
            pass
        held = _current(es, name)
        if held is None:
            continue  # released meanwhile: try again at once
        lease, seq_no, term = held
        if lease["holder"] == run_id:
            return  # a retried task of the same run
        if datetime.fromisoformat(lease["expires_at"]) < datetime.now(UTC):
            try:  # the holder died: take over, unless another waiter just did
                es.index(
                    index=name,
                    id=LEASE_ID,
                    document=_body(run_id, conf.lease_minutes),
                    if_seq_no=seq_no,
                    if_primary_term=term,
                    refresh=True,
                )
                return
            except ConflictError:
                continue
        if time.monotonic() >= deadline:
            raise LeaseHeld(
                f"another run ({lease['holder']}) is writing to alias {alias} until it ends "
                f"(lease expires {lease['expires_at']}); waited {conf.lease_wait_seconds} s"
            )
        time.sleep(POLL_SECONDS)


def renew(es: Elasticsearch, name: str, alias: str, run_id: str, settings: Settings) -> None:
    """Push the lease's expiry on while ``run_id`` still holds it; LeaseHeld if it lost it."""
    held = _current(es, name)
    if held is None or held[0]["holder"] != run_id:
        holder = held[0]["holder"] if held else "nobody"
        raise LeaseHeld(f"run {run_id} lost the lease on alias {alias} (now held by {holder})")
    _, seq_no, term = held
    try:
        es.index(
            index=name,
            id=LEASE_ID,
            document=_body(run_id, settings.elasticsearch.lease_minutes),
            if_seq_no=seq_no,
            if_primary_term=term,
        )
    except ConflictError:
        raise LeaseHeld(f"run {run_id} lost the lease on alias {alias}") from None


def release(es: Elasticsearch, name: str, run_id: str) -> None:
    """Give the lease back, if ``run_id`` holds it (never someone else's)."""
    held = _current(es, name)
    if held is None or held[0]["holder"] != run_id:
        return
    _, seq_no, term = held
    with contextlib.suppress(ConflictError, NotFoundError):
        es.delete(
            index=name,
            id=LEASE_ID,
            if_seq_no=seq_no,
            if_primary_term=term,
            refresh=True,
        )


def holder(es: Elasticsearch, name: str) -> str | None:
    """The run id holding the lease in runs index ``name``, or None."""
    held = _current(es, name)
    return held[0]["holder"] if held else None


def _current(es: Elasticsearch, index: str) -> tuple[dict[str, Any], int, int] | None:
    try:
        doc = es.get(index=index, id=LEASE_ID)
    except NotFoundError:
        return None
    return doc["_source"]["lease"], int(doc["_seq_no"]), int(doc["_primary_term"])
