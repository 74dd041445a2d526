"""The entities tab: suggested alias-table entries (:mod:`etl.suggest`) with their document
counts and the YAML to paste into ``config/entities.yml``. It suggests; it changes nothing."""

from __future__ import annotations

from html import escape

from etl.suggest import Suggestion
from news_search import chrome
from news_search.page import CSS

INTRO = (
    "Facet values of <b>{alias}</b> that look like one entity written several ways. Nothing "
    "is changed here: paste the entries you agree with under <code>entities:</code> in "
    "<code>config/entities.yml</code>; the next incremental run re-derives the affected "
    "documents from what is stored."
)


def _documents(n: int) -> str:
    return f"{n} document{'s' if n != 1 else ''}"


def suggestion_html(x: Suggestion) -> str:
    """One suggestion: the name to keep, each variant with its documents and why, the YAML."""
    variants = "".join(
        f'<li><span class="variant">{escape(alias)}</span> '
        f'<span class="count">{_documents(x.docs.get(alias, 0))}</span>: '
        f"{escape(why.split(': ', 1)[-1])}</li>"
        for alias, why in zip(x.aliases, x.reasons, strict=False)
    )
    return (
        f'<article class="suggestion" data-testid="suggestion" data-name="{escape(x.name)}" '
        f'data-kind="{escape(x.kind)}"><h3>{escape(x.name)} <span class="meta">'
        f"{escape(x.kind)}, {_documents(x.docs.get(x.name, 0))}</span></h3>"
        f'<ul>{variants}</ul><pre data-testid="yaml">{escape(x.yaml())}</pre></article>'
    )


def render_entities(
    index: str, default_index: str, found: list[Suggestion] | None, error: str | None = None
) -> str:
    """The whole tab: the suggestions (or the message why there are none)."""
    content = chrome.error_html(error)
    if found is not None:
        content += f"<p>{INTRO.format(alias=escape(index))}</p>"
        content += f'<p data-testid="suggestion-total" data-total="{len(found)}">'
        content += f"{len(found)} suggestion{'s' if len(found) != 1 else ''}</p>"
        if not found:
            content += "<p>No facet values look like variants of one another.</p>"
        content += "".join(suggestion_html(x) for x in found)
    body = (
        chrome.header_html(index)
        + chrome.tabs_html("entities", index, default_index)
        + f'<div class="curation">{content}</div>'
    )
    return chrome.document("Entities · News search", CSS, body)
