"""The search page as HTML: its state (query, filters, paging) and server-side rendering.

Every value from a request or from Elasticsearch is HTML-escaped; links are relative
(``?q=...``) so the page works under any prefix and inside the Airflow UI's iframe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import Any
from urllib.parse import urlencode

from etl import search as s
from etl.naming import alias_problem
from news_search import chrome, links

FACET_TITLES = s.FACET_TITLES
PAGE_SIZE = 20


def _label(fld: str) -> str:
    """Readable name of a filter field (Persons for entities.persons)."""
    names = {s.FACETS[k]: v for k, v in FACET_TITLES.items()}
    names[s.STORY_FIELD] = "Story"
    return names.get(fld, fld)


def _value_label(fld: str, value: str) -> str:
    """Readable facet value (a country code with its name: "KP North Korea")."""
    by_field = {f: name for name, f in s.FACETS.items()}
    return s.facet_label(by_field.get(fld, ""), value)


@dataclass
class PageState:
    """What the page shows: the request's query, filters and paging, validated."""

    index: str
    default_index: str  # the alias shown without ?index= (links leave it out)
    q: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    since: str = ""
    until: str = ""
    run: str = ""
    dag: str = ""
    page: int = 1
    collapse: bool = False  # one hit per story

    def params(self, **change: Any) -> list[tuple[str, str]]:
        """Query parameters for a link to this state with ``change`` applied."""
        st = {**self.__dict__, **change}
        out: list[tuple[str, str]] = [("q", st["q"])] if st["q"] else []
        if st["index"] != self.default_index:
            out.append(("index", st["index"]))
        for fld, values in st["filters"].items():
            out.extend(("f", f"{fld}={v}") for v in values)
        out.extend((k, st[k]) for k in ("since", "until", "dag", "run") if st[k])
        if st["collapse"]:
            out.append(("collapse", "1"))
        if st["page"] > 1:
            out.append(("page", str(st["page"])))
        return out

    def href(self, **change: Any) -> str:
        """A relative link (``?...``) to this state with ``change`` applied."""
        return "?" + urlencode(self.params(**change))

    def toggled(self, fld: str, value: str) -> dict[str, list[str]]:
        """Filters with ``fld=value`` added, or removed when already chosen."""
        new = {k: list(v) for k, v in self.filters.items()}
        vals = new.setdefault(fld, [])
        if value in vals:
            vals.remove(value)
        else:
            vals.append(value)
        return {k: v for k, v in new.items() if v}


def parse_state(query: Any, site: links.Site, run_index: str | None = None) -> PageState:
    """Validate the page's query parameters (a Starlette QueryParams or a multi-dict).

    ``run_index`` is the alias a DAG run wrote to, used when the link names a run, not an index.
    Bad input is a SearchUsageError with the message the command line gives for it.
    """
    index = (query.get("index") or run_index or site.default_index).strip()
    if problem := alias_problem(index):
        raise s.SearchUsageError(problem)
    try:
        page = max(1, min(int(query.get("page") or 1), 500))
    except ValueError:
        raise s.SearchUsageError("page must be a number") from None
    # ?country=FR is a short form of ?f=countries=FR, as the command line's --country.
    countries = [f"{s.COUNTRY_FIELD}={c}" for c in query.getlist("country") if c.strip()]
    return PageState(
        index=index,
        default_index=site.default_index,
        q=(query.get("q") or "").strip(),
        filters=s.parse_filters([*query.getlist("f"), *countries]),
        since=(query.get("since") or "").strip(),
        until=(query.get("until") or "").strip(),
        run=(query.get("run") or "").strip(),
        dag=(query.get("dag") or "").strip(),
        page=page,
        collapse=(query.get("collapse") or "").strip().lower() in ("1", "on", "true"),
    )


CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1a202c;
background:#fff}
header{padding:12px 20px;border-bottom:1px solid #e2e8f0;display:flex;gap:12px;align-items:center;
flex-wrap:wrap}
header h1{font-size:18px;margin:0 12px 0 0}
form{display:flex;gap:8px;flex-wrap:wrap;align-items:center}
input[type=search]{width:28em;max-width:60vw;padding:6px 8px;border:1px solid #a0aec0;
border-radius:4px}
input[type=date]{padding:5px;border:1px solid #a0aec0;border-radius:4px}
button{padding:6px 14px;border:0;border-radius:4px;background:#017cee;color:#fff;cursor:pointer}
main{display:flex;gap:24px;padding:16px 20px}
aside{flex:0 0 250px}
aside h2{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:#4a5568;
margin:14px 0 4px}
aside ul{list-style:none;margin:0;padding:0}
aside li a{display:flex;justify-content:space-between;gap:8px;padding:2px 6px;border-radius:3px;
color:#2d3748;text-decoration:none}
aside li a:hover{background:#edf2f7}
aside li a.on{background:#bee3f8;font-weight:600}
.count{color:#718096;font-variant-numeric:tabular-nums}
section{flex:1;min-width:0}
.chips a{display:inline-block;margin:0 6px 6px 0;padding:2px 8px;border-radius:12px;
background:#bee3f8;color:#1a365d;text-decoration:none}
.hit{margin:0 0 16px}
.hit h3{font-size:16px;margin:0}
.meta{color:#4a5568;font-size:12px}
.snip{color:#2d3748;margin:2px 0 0}
mark{background:#fefcbf;padding:0 1px}
.error{padding:10px 14px;background:#fff5f5;border:1px solid #feb2b2;color:#9b2c2c;
border-radius:4px}
.pager a{margin-right:12px}
.copies{font-size:12px;margin:2px 0 0}
.toggle{display:inline-block;margin:0 0 8px;color:#2d3748;text-decoration:none}
.toggle::before{content:"";display:inline-block;width:12px;height:12px;margin-right:6px;
border:1px solid #4a5568;border-radius:2px;vertical-align:-2px}
.toggle[aria-checked=true]::before{background:#017cee;border-color:#017cee;
box-shadow:inset 0 0 0 2px #fff}
"""


def _hl(fragment: str) -> str:
    """A highlight fragment as HTML: every part escaped, matches in <mark>."""
    return "".join(
        f"<mark>{escape(part)}</mark>" if match else escape(part)
        for part, match in s.segments(fragment)
    )


def _facets_html(st: PageState, result: s.SearchResult) -> str:
    """Each facet's values; with one hit per story their counts are stories, not documents."""
    out = []
    for name, title in FACET_TITLES.items():
        fld = s.FACETS[name]
        chosen = st.filters.get(fld, [])
        items = []
        for value, docs, stories in result.facet_rows(name):
            on = value in chosen
            href = st.href(filters=st.toggled(fld, value), page=1)
            count = stories if result.collapsed else docs
            shown = s.facet_label(name, value)
            items.append(
                f'<li><a href="{escape(href)}" class="{"on" if on else ""}" '
                f'data-field="{escape(fld)}" data-value="{escape(value)}" data-count="{count}" '
                f'data-docs="{docs}" data-stories="{stories}" '
                f'title="{stories} stor{"ies" if stories != 1 else "y"}, {docs} documents" '
                f'aria-pressed="{str(on).lower()}"><span>{escape(shown)}</span>'
                f'<span class="count">{count}</span></a></li>'
            )
        body = "".join(items) or '<li class="count">none</li>'
        out.append(
            f'<div class="facet" data-testid="facet-{name}"><h2>{title}</h2><ul>{body}</ul></div>'
        )
    return "".join(out)


def _copies_html(st: PageState, hit: s.Hit) -> str:
    """``+N copies from SOURCES``, linking to the story: a search for all its copies."""
    if not hit.copy_count or not hit.story_id:
        return ""
    story = st.href(
        q="",
        filters={s.STORY_FIELD: [hit.story_id]},
        since="",
        until="",
        run="",
        dag="",
        page=1,
        collapse=False,
    )
    more = " …" if len(hit.copies) < hit.copy_count else ""
    word = "copies" if hit.copy_count != 1 else "copy"
    return (
        f'<p class="copies" data-testid="copies" data-count="{hit.copy_count}">'
        f'<a href="{escape(story)}" data-testid="story-link">+{hit.copy_count} {word}</a> from '
        f"{escape(', '.join(hit.copy_sources))}{more}</p>"
    )


def _hits_html(st: PageState, result: s.SearchResult) -> str:
    out = []
    for hit in result.hits:
        title_hl = hit.highlights.get("title")
        title = _hl(title_hl[0]) if title_hl else escape(hit.title)
        meta = " · ".join(
            escape(x) for x in (hit.source or "unknown source", (hit.date or "no date")[:10]) if x
        )
        if hit.language:
            meta += f" · {escape(hit.language)}"
        snips = " … ".join(_hl(f) for f in hit.highlights.get("body", [])[:2])
        out.append(
            f'<article class="hit" data-testid="hit" data-id="{escape(hit.id)}">'
            f'<h3 class="title">{title}</h3><div class="meta">{meta}</div>'
            f'<p class="snip">{snips}</p>{_copies_html(st, hit)}</article>'
        )
    return "".join(out)


def _chips_html(st: PageState) -> str:
    """The active filters, each a link that removes it."""
    chips = "".join(
        f'<a href="{escape(st.href(filters=st.toggled(fld, v), page=1))}" '
        f'data-testid="chip" title="remove this filter">{escape(_label(fld))}: '
        f"{escape(_value_label(fld, v))} ×</a>"
        for fld, values in st.filters.items()
        for v in values
    )
    if st.run:
        chips += (
            f'<a href="{escape(st.href(run="", dag="", page=1))}" data-testid="chip">'
            f"run: {escape(st.run)} ×</a>"
        )
    return chips


def _collapse_toggle(st: PageState) -> str:
    """The "one hit per story" switch: a link to the same search with collapse flipped."""
    href = st.href(collapse=not st.collapse, page=1)
    return (
        f'<a class="toggle" role="checkbox" aria-checked="{str(st.collapse).lower()}" '
        f'href="{escape(href)}" data-testid="collapse">One hit per story</a>'
    )


def _total_html(st: PageState, result: s.SearchResult) -> str:
    total, first = result.shown_total, (st.page - 1) * PAGE_SIZE
    shown = f"{first + 1}–{first + len(result.hits)} of " if result.hits else ""
    what = f"{total} document{'s' if total != 1 else ''}"
    if result.collapsed:
        what = f"{total} stor{'ies' if total != 1 else 'y'} ({result.total} documents)"
    return (
        f'<span data-testid="total" data-total="{total}" data-documents="{result.total}" '
        f'data-stories="{result.stories}">{shown}{what}</span>'
    )


def _results_html(st: PageState, result: s.SearchResult) -> str:
    """The story switch, the total, the hits and the pager."""
    first = (st.page - 1) * PAGE_SIZE
    pager = []
    if st.page > 1:
        pager.append(f'<a href="{escape(st.href(page=st.page - 1))}">← previous</a>')
    if first + len(result.hits) < result.shown_total:
        pager.append(f'<a href="{escape(st.href(page=st.page + 1))}">next →</a>')
    return (
        f"{_collapse_toggle(st)}"
        f"<p>{_total_html(st, result)} in <b>{escape(st.index)}</b></p>"
        f'<div data-testid="results">{_hits_html(st, result)}</div>'
        f'<div class="pager">{"".join(pager)}</div>'
    )


def _header_html(st: PageState, kibana_url: str) -> str:
    """The search form (keeping filters, index and run) and the link to Kibana Discover."""
    kibana = links.discover_url(kibana_url, st.index, st.q, st.filters)
    hidden = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
        for k, v in st.params()
        if k in ("f", "index", "dag", "run", "collapse")
    )
    return (
        '<header><h1>News search</h1><form method="get" action="" role="search">'
        f'<input type="search" name="q" value="{escape(st.q)}" placeholder="Search title, '
        'text and names" aria-label="Search text" autofocus>'
        f'<input type="date" name="since" value="{escape(st.since)}" aria-label="Since">'
        f'<input type="date" name="until" value="{escape(st.until)}" aria-label="Until">'
        f'{hidden}<button type="submit">Search</button></form>'
        f'<a href="{escape(kibana)}" target="_blank" rel="noopener" data-testid="kibana">'
        "Open in Kibana Discover ↗</a></header>"
    )


def render_page(
    st: PageState, result: s.SearchResult | None, error: str | None = None, *, kibana_url: str
) -> str:
    """The whole page: search form, active filters, facets, results (or the error), pager."""
    content = f'<div class="error" role="alert">{escape(error)}</div>' if error else ""
    facets = ""
    if result is not None:
        content += _results_html(st, result)
        facets = _facets_html(st, result)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>News search</title><style>{CSS}{chrome.CSS}</style></head><body>"
        f"{_header_html(st, kibana_url)}{chrome.tabs_html('search', st.index, st.default_index)}"
        f'<main><aside data-testid="facets">{facets}</aside>'
        f'<section><div class="chips">{_chips_html(st)}</div>{content}</section></main>'
        "</body></html>"
    )
