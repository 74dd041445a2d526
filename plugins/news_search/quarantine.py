"""The quarantine tab: what one run quarantined (path, stage, reason, sha256), filterable.

Pure functions: the request's state, the filter and the HTML; :mod:`etl.run_records` reads
the runs. The stage filter is an exact value (a small closed set, offered in a list); the
reason filter is a case-insensitive substring, because reasons carry per-file detail (sizes,
parser messages, field names) and an exact value would rarely match more than one file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import urlencode

from etl.naming import safe_run_id
from etl.run_records import RunRecords
from etl.runs import runs_index
from etl.search import SearchUsageError
from news_search import chrome, links
from news_search.page import CSS

MAX_RUN_ID = 250
MAX_FILTER = 200
# The pipeline's run ids, and Airflow's (``manual__2026-01-01T00:00:00+00:00``), which the
# pipeline stores through safe_run_id.
_RUN_ID = re.compile(r"[A-Za-z0-9_.:+\-]+")


@dataclass(frozen=True)
class QuarantineState:
    """The tab's request: alias, run (empty: the newest) and the two filters, validated."""

    index: str
    default_index: str
    run: str = ""
    stage: str = ""
    reason: str = ""

    def href(self, **change: str) -> str:
        """A relative link to this tab with ``change`` applied (empty values left out)."""
        st = {**self.__dict__, **change}
        params = chrome.alias_params(st["index"], self.default_index)
        params += [(k, st[k]) for k in ("run", "stage", "reason") if st[k]]
        return "quarantine" + (f"?{urlencode(params)}" if params else "")


def check_run_id(raw: str) -> str:
    """A run id from a URL as the run records store it; SearchUsageError when it is not one."""
    run = raw.strip()
    if run and (len(run) > MAX_RUN_ID or not _RUN_ID.fullmatch(run)):
        raise SearchUsageError(
            f"{run[:60]!r} is not a run id: letters, digits and - _ . : + only "
            f"(at most {MAX_RUN_ID} characters)"
        )
    return safe_run_id(run)


def parse_quarantine(query: Any, site: links.Site) -> QuarantineState:
    """Validate the tab's query parameters (a Starlette QueryParams or a multi-dict)."""
    filters = {k: (query.get(k) or "").strip() for k in ("stage", "reason")}
    for name, value in filters.items():
        if len(value) > MAX_FILTER:
            raise SearchUsageError(f"the {name} filter has at most {MAX_FILTER} characters")
    return QuarantineState(
        index=chrome.alias_from(query, site),
        default_index=site.default_index,
        run=check_run_id(query.get("run") or ""),
        **filters,
    )


def filter_rows(
    rows: Iterable[dict[str, Any]], stage: str = "", reason: str = ""
) -> list[dict[str, Any]]:
    """The entries of ``stage`` (exact) whose reason contains ``reason`` (any case)."""
    needle = reason.casefold()
    return [
        r
        for r in rows
        if (not stage or r.get("stage") == stage) and needle in str(r.get("reason", "")).casefold()
    ]


def problem(st: QuarantineState, found: RunRecords) -> tuple[int, str | None]:
    """The HTTP status and the message when there is no run to show."""
    runs = runs_index(st.index)
    if not found.runs_index_exists:
        return 404, f"No run records for {st.index!r}: {runs} does not exist (no run yet?)"
    if found.record is None and st.run:
        return 404, f"No run {st.run!r} in {runs}"
    if found.record is None:
        return 200, f"No runs recorded in {runs} yet"
    return 200, None


def _when(run: dict[str, Any]) -> str:
    return str(run.get("ended_at") or run.get("started_at") or "")[:19].replace("T", " ")


def _run_label(run: dict[str, Any]) -> str:
    quarantined = (run.get("counts") or {}).get("quarantined")
    parts = [str(run.get("run_id")), str(run.get("status") or "?"), str(run.get("mode") or "")]
    parts += [_when(run), f"{quarantined} quarantined" if quarantined is not None else ""]
    return " · ".join(p for p in parts if p)


def _option(value: str, label: str, chosen: bool) -> str:
    on = " selected" if chosen else ""
    return f'<option value="{escape(value)}"{on}>{escape(label)}</option>'


def _form_html(st: QuarantineState, found: RunRecords | None, record: dict[str, Any]) -> str:
    """The run picker and the two filters (the alias rides along hidden)."""
    runs = list(found.runs) if found else []
    chosen = str(record.get("run_id") or "")
    if chosen and all(str(r.get("run_id")) != chosen for r in runs):
        runs.append(record)  # an older run named in the URL
    run_opts = "".join(
        _option(str(r["run_id"]), _run_label(r), str(r["run_id"]) == chosen) for r in runs
    )
    stages = Counter(str(r.get("stage")) for r in record.get("quarantine") or [])
    if st.stage and st.stage not in stages:
        stages[st.stage] = 0
    stage_opts = _option("", "all stages", not st.stage) + "".join(
        _option(s, f"{s} ({n})", s == st.stage) for s, n in sorted(stages.items())
    )
    hidden = "".join(
        f'<input type="hidden" name="{k}" value="{escape(v)}">'
        for k, v in chrome.alias_params(st.index, st.default_index)
    )
    return (
        f'<form method="get" action="quarantine" data-testid="quarantine-form">{hidden}'
        f'<label>Run <select name="run" aria-label="Run">{run_opts}</select></label>'
        f'<label>Stage <select name="stage" aria-label="Stage">{stage_opts}</select></label>'
        f'<label>Reason contains <input type="text" name="reason" value="{escape(st.reason)}" '
        'aria-label="Reason contains"></label><button type="submit">Show</button></form>'
    )


def summary_line(st: QuarantineState, record: dict[str, Any], shown: int) -> str:
    """How many entries are shown, of how many the record keeps and the run quarantined."""
    stored = len(record.get("quarantine") or [])
    counted = (record.get("counts") or {}).get("quarantined")
    # The record's count is the true one; a missing or smaller one cannot be.
    total = counted if isinstance(counted, int) and counted >= stored else stored
    run = escape(str(record.get("run_id")))
    if st.stage or st.reason:
        text = f"{shown} of {stored} quarantined in run <b>{run}</b> match the filter"
        if stored < total:
            text += f" ({total} quarantined in all; the run record keeps the first {stored})"
    elif stored < total:
        text = (
            f"showing {stored} of {total} quarantined in run <b>{run}</b> "
            f"(the run record keeps the first {stored})"
        )
    else:
        text = f"{total} quarantined in run <b>{run}</b>"
    if record.get("status") == "failed":
        text += f" · the run failed: {escape(str(record.get('error') or 'no reason recorded'))}"
    return (
        f'<p data-testid="quarantine-total" data-shown="{shown}" data-stored="{stored}" '
        f'data-total="{total}">{text}</p>'
    )


def rows_html(rows: list[dict[str, Any]]) -> str:
    """The entries as a table: path, record number (when set), stage, reason, sha256."""
    body = "".join(
        '<tr data-testid="quarantined">'
        f'<td class="path">{escape(str(r.get("path", "")))}</td>'
        f'<td class="record">{"" if r.get("record") is None else escape(str(r["record"]))}</td>'
        f'<td class="stage">{escape(str(r.get("stage", "")))}</td>'
        f'<td class="reason">{escape(str(r.get("reason", "")))}</td>'
        f'<td class="sha">{escape(str(r.get("sha256") or ""))}</td></tr>'
        for r in rows
    )
    head = "<th>Path</th><th>Record</th><th>Stage</th><th>Reason</th><th>SHA-256</th>"
    return (
        f'<table class="rows" data-testid="quarantine"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def render_quarantine(
    st: QuarantineState, found: RunRecords | None, error: str | None = None
) -> str:
    """The whole tab: picker and filters, the summary line and the entries (or the message)."""
    record = (found.record if found else None) or {}
    content = chrome.error_html(error)
    if record:
        rows = filter_rows(record.get("quarantine") or [], st.stage, st.reason)
        content += summary_line(st, record, len(rows)) + rows_html(rows)
    form = _form_html(st, found, record) if found and (found.runs or record) else ""
    body = (
        chrome.header_html(st.index)
        + chrome.tabs_html("quarantine", st.index, st.default_index)
        + f'<div class="curation">{form}{content}</div>'
    )
    return chrome.document("Quarantine · News search", CSS, body)
