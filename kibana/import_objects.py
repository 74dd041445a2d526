#!/usr/bin/env python3
"""Import the project's Kibana saved objects (config/kibana/*.ndjson) into a running Kibana.

    python kibana/import_objects.py --kibana-url http://localhost:5601 [--dir config/kibana]

The password is read from the environment (KIBANA_PASSWORD), never from the command line where
other users could see it; KIBANA_USERNAME defaults to ``elastic``. docker-compose.yml runs this
as the one-shot ``kibana-setup`` service once Kibana is healthy.

One request, ``POST /api/saved_objects/_import?overwrite=true``, uploads every object as one
NDJSON file, so references between files (dashboards -> data views) resolve in the same import
and re-running it replaces the objects instead of duplicating them. A second request makes the
data view "News" Kibana's default: two data views cover the same indices (by ingestion and by
publication date), and Discover must open on the one that shows every document. Standard
library only: the script runs in any Python 3.11 image without installing anything.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = PROJECT_ROOT / "config" / "kibana"
IMPORT_PATH = "/api/saved_objects/_import?overwrite=true"
DEFAULT_DATA_VIEW_PATH = "/api/data_views/default"
# "News": its time field is ingested_at, which every document has (published_at is missing
# on undated articles, and Kibana hides documents without a value in the time field).
DEFAULT_DATA_VIEW_ID = "news-etl-data-view-news"
UPLOAD_NAME = "news-etl.ndjson"  # Kibana rejects uploads whose name does not end in .ndjson
# Kibana answers 503 while it starts or migrates its saved objects; these are worth a retry.
RETRY_STATUSES = {502, 503, 504}


@dataclass(frozen=True)
class ImportRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


class ImportFailed(Exception):
    """Kibana refused the import, or never answered."""


def collect_ndjson(directory: Path) -> bytes:
    """All objects of ``directory/*.ndjson`` as one NDJSON document, in file name order.

    Each line is parsed here so a broken file fails with its name and line number instead of
    an opaque error from Kibana.
    """
    files = sorted(directory.glob("*.ndjson"))
    if not files:
        raise ImportFailed(f"no *.ndjson files in {directory}")
    lines: list[str] = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ImportFailed(f"{path}:{number}: not JSON: {exc}") from exc
            if not isinstance(obj, dict) or "type" not in obj or "id" not in obj:
                raise ImportFailed(f"{path}:{number}: not a saved object (needs type and id)")
            lines.append(line)
    return ("\n".join(lines) + "\n").encode("utf-8")


def build_import_request(
    kibana_url: str,
    ndjson: bytes,
    username: str | None = None,
    password: str | None = None,
    space: str | None = None,
    boundary: str | None = None,
) -> ImportRequest:
    """The multipart upload Kibana's saved-objects import API expects."""
    boundary = boundary or f"news-etl-{uuid.uuid4().hex}"
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{UPLOAD_NAME}"\r\n'
        "Content-Type: application/ndjson\r\n"
        "\r\n"
    ).encode("ascii")
    tail = f"\r\n--{boundary}--\r\n".encode("ascii")
    headers = _headers(f"multipart/form-data; boundary={boundary}", username, password)
    return ImportRequest(
        "POST", _url(kibana_url, space, IMPORT_PATH), headers, head + ndjson + tail
    )


def build_default_data_view_request(
    kibana_url: str,
    data_view_id: str,
    username: str | None = None,
    password: str | None = None,
    space: str | None = None,
) -> ImportRequest:
    """Kibana's "set default data view" call; ``force`` replaces a default already set."""
    body = json.dumps({"data_view_id": data_view_id, "force": True}).encode("utf-8")
    headers = _headers("application/json", username, password)
    return ImportRequest("POST", _url(kibana_url, space, DEFAULT_DATA_VIEW_PATH), headers, body)


def _headers(content_type: str, username: str | None, password: str | None) -> dict[str, str]:
    headers = {
        # Kibana rejects state-changing API calls without it (cross-site request protection).
        "kbn-xsrf": "true",
        "Content-Type": content_type,
        "Accept": "application/json",
    }
    if username:
        token = base64.b64encode(f"{username}:{password or ''}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    return headers


def _url(kibana_url: str, space: str | None, path: str) -> str:
    prefix = f"/s/{space}" if space and space != "default" else ""
    return kibana_url.rstrip("/") + prefix + path


def object_ids(ndjson: bytes, kind: str) -> set[str]:
    """The ids of the saved objects of type ``kind`` in ``ndjson``."""
    objects = (json.loads(line) for line in ndjson.decode("utf-8").splitlines() if line.strip())
    return {str(o["id"]) for o in objects if o.get("type") == kind}


def set_default_data_view(request: ImportRequest, timeout: float = 60.0) -> None:
    """Send the default-data-view call once (Kibana is up: the import just succeeded)."""
    try:
        status, body = send(request, timeout)
    except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
        raise ImportFailed(f"default data view: Kibana not reachable: {exc}") from exc
    if status != 200:
        raise ImportFailed(f"default data view: HTTP {status}: {body.get('message') or body}")


def send(request: ImportRequest, timeout: float) -> tuple[int, dict[str, Any]]:
    """Send once; (HTTP status, JSON body or {})."""
    req = urllib.request.Request(
        request.url, data=request.body, headers=request.headers, method=request.method
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        body = json.loads(raw or b"{}")
    except json.JSONDecodeError:
        body = {"message": raw[:500].decode("utf-8", "replace")}
    return status, body if isinstance(body, dict) else {"response": body}


def import_objects(
    request: ImportRequest, attempts: int = 60, delay: float = 5.0, timeout: float = 60.0
) -> dict[str, Any]:
    """Send the import, retrying while Kibana is not reachable or not ready yet."""
    last = "no attempt made"
    for attempt in range(1, max(attempts, 1) + 1):
        try:
            status, body = send(request, timeout)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last = f"Kibana not reachable: {getattr(exc, 'reason', exc)}"
        else:
            if status in RETRY_STATUSES:
                last = f"Kibana not ready (HTTP {status})"
            elif status != 200:
                raise ImportFailed(f"HTTP {status}: {body.get('message') or body}")
            elif not body.get("success"):
                raise ImportFailed(describe_errors(body))
            else:
                return body
        if attempt < attempts:
            print(f"{last}; retry {attempt}/{attempts - 1} in {delay:g}s", file=sys.stderr)
            time.sleep(delay)
    raise ImportFailed(f"gave up after {attempts} attempts: {last}")


def describe_errors(body: dict[str, Any]) -> str:
    errors = body.get("errors") or []
    lines = [f"import failed: {body.get('successCount', 0)} imported, {len(errors)} errors"]
    for err in errors:
        detail = err.get("error") or {}
        title = err.get("title") or (err.get("meta") or {}).get("title", "")
        rest = json.dumps({k: v for k, v in detail.items() if k != "type"})
        lines.append(f"  {err.get('type')}/{err.get('id')} ({title}): {detail.get('type')} {rest}")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--kibana-url", default=os.environ.get("KIBANA_URL", "http://localhost:5601")
    )
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="folder of *.ndjson files")
    parser.add_argument("--space", default=os.environ.get("KIBANA_SPACE"), help="Kibana space id")
    parser.add_argument("--attempts", type=int, default=60, help="tries while Kibana is not ready")
    parser.add_argument("--delay", type=float, default=5.0, help="seconds between tries")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument(
        "--default-data-view",
        default=DEFAULT_DATA_VIEW_ID,
        help="id of the imported data view to make Kibana's default ('' leaves it alone)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the request (without credentials), send nothing",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    username = os.environ.get("KIBANA_USERNAME", "elastic")
    password = os.environ.get("KIBANA_PASSWORD")
    try:
        ndjson = collect_ndjson(args.dir)
        count = ndjson.count(b"\n")
        request = build_import_request(args.kibana_url, ndjson, username, password, args.space)
        default = None
        if args.default_data_view:
            # Checked before anything is sent: a renamed view must not leave a half setup.
            if args.default_data_view not in object_ids(ndjson, "index-pattern"):
                raise ImportFailed(f"no data view {args.default_data_view!r} in {args.dir}")
            default = build_default_data_view_request(
                args.kibana_url, args.default_data_view, username, password, args.space
            )
        if args.dry_run:
            for req in (request, default):
                if req is not None:
                    shown = {k: v for k, v in req.headers.items() if k != "Authorization"}
                    print(f"{req.method} {req.url}\n{json.dumps(shown, indent=2)}")
            print(f"{count} objects")
            return 0
        if not password:
            raise ImportFailed("set KIBANA_PASSWORD (the password of KIBANA_USERNAME)")
        result = import_objects(
            request, attempts=args.attempts, delay=args.delay, timeout=args.timeout
        )
        if default is not None:
            set_default_data_view(default, timeout=args.timeout)
    except ImportFailed as exc:
        print(f"kibana-import: {exc}", file=sys.stderr)
        return 1
    imported = result.get("successCount", 0)
    print(f"kibana-import: {imported} of {count} saved objects imported into {args.kibana_url}")
    if default is not None:
        print(f"kibana-import: default data view is {args.default_data_view}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
