"""The clean stage's boundary: any exception from one document is its quarantine record."""

from __future__ import annotations

import pytest

import etl.prepare as stage
from etl.records import Article, Quarantine, RawDoc, SourceInfo
from etl.settings import get_settings

TEXT = "Kim Jong Un met Vladimir Putin at the Vostochny Cosmodrome on Wednesday, officials said."


def _raw(n: int, text: str = TEXT) -> RawDoc:
    source = SourceInfo(path=f"doc{n}.txt", sha256=f"{n:064d}", format="txt", size=len(text))
    return RawDoc(source=source, text=text, record=7 if n == 1 else None)


def test_an_exception_while_cleaning_one_document_costs_that_document_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = stage.clean_text

    def fails_on_one(text: str, *args: object, **kw: object) -> object:
        if "BOOM" in text:
            raise RecursionError("maximum recursion depth exceeded while cleaning")
        return real(text, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(stage, "clean_text", fails_on_one)
    raws = [_raw(0), _raw(1, TEXT + " BOOM"), _raw(2)]
    out = [result for result, _ in stage.prepare_all(raws, get_settings())]
    good, bad, other = out
    assert isinstance(good, Article) and isinstance(other, Article)
    assert isinstance(bad, Quarantine)
    assert (bad.path, bad.stage, bad.record) == ("doc1.txt", "clean", 7)
    assert bad.reason == "RecursionError: maximum recursion depth exceeded while cleaning"
    assert bad.sha256 == f"{1:064d}"
