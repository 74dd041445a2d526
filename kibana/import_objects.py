#!/usr/bin/env python3
"""Import the project's Kibana saved objects (config/kibana/*.ndjson) into a running Kibana.

    python kibana/import_objects.py --kibana-url http://localhost:5601 [--dir config/kibana]

The password is read from the environment (KIBANA_PASSWORD), never from the command line where
other users could see it; KIBANA_USERNAME defaults to ``elastic``. docker-compose.yml runs this
as the one-shot ``kibana-setup`` service once Kibana is healthy.

One request, ``POST /api/saved_objects/_import?overwrite=true``, uploads every object as one
NDJSON file, so references between files (dashboards -> data views) resolve in the same import
and re-running it replaces the objects instead of duplicating them. Standard library only: the
script runs in any Python 3.11 image without installing anything.
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
    headers = {
        # Kibana rejects state-changing API calls without it (cross-site request protection).
        "kbn-xsrf": "true",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Accept": "application/json",
    }
    if username:
        token = base64.b64encode(f"{username}:{password or ''}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    prefix = f"/s/{space}" if space and space != "default" else ""
    return ImportRequest(
        "POST", kibana_url.rstrip("/") + prefix + IMPORT_PATH, headers, head + ndjson + tail
    )


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
        if args.dry_run:
            shown = {k: v for k, v in request.headers.items() if k != "Authorization"}
            print(f"{request.method} {request.url}\n{json.dumps(shown, indent=2)}\n{count} objects")
            return 0
        if not password:
            raise ImportFailed("set KIBANA_PASSWORD (the password of KIBANA_USERNAME)")
        result = import_objects(
            request, attempts=args.attempts, delay=args.delay, timeout=args.timeout
        )
    except ImportFailed as exc:
        print(f"kibana-import: {exc}", file=sys.stderr)
        return 1
    imported = result.get("successCount", 0)
    print(f"kibana-import: {imported} of {count} saved objects imported into {args.kibana_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
