"""Pure helpers of scripts/es_local*.py: what the local Elasticsearch node is built from."""

from __future__ import annotations

import os
import pwd
import re
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from prerequisites import need

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import es_local
from es_local_artifacts import ARTIFACTS, ES_VERSION
from es_local_config import (
    elasticsearch_yml,
    heap_bytes,
    jvm_command,
    jvm_options_file,
    parse_jvm_options,
)
from es_local_layout import (
    REQUIRED_MODULES,
    EsLocalError,
    JavaRuntime,
    Layout,
    find_java,
    java_major,
    plugin_descriptor,
    read_runtime,
    write_jar,
)


def test_jvm_options_honour_version_prefixes() -> None:
    text = """# comment
-Xms1g
8-13:-XX:+UseConcMarkSweepGC
14-:-XX:+UseG1GC
21:-Dexactly=21
17-20:-Dbetween=yes

  -Dindented=ok
"""
    assert parse_jvm_options(text, 21) == [
        "-Xms1g",
        "-XX:+UseG1GC",
        "-Dexactly=21",
        "-Dindented=ok",
    ]
    assert parse_jvm_options(text, 17) == [
        "-Xms1g",
        "-XX:+UseG1GC",
        "-Dbetween=yes",
        "-Dindented=ok",
    ]
    assert parse_jvm_options(text, 11) == ["-Xms1g", "-XX:+UseConcMarkSweepGC", "-Dindented=ok"]


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


def test_plugin_descriptor_matches_the_server_version() -> None:
    text = plugin_descriptor("demo", "A demo module", "org.example.DemoPlugin")
    fields = dict(line.split("=", 1) for line in text.splitlines() if line)
    assert fields == {
        "description": "A demo module",
        "version": ES_VERSION,
        "name": "demo",
        "classname": "org.example.DemoPlugin",
        "java.version": "21",
        "elasticsearch.version": ES_VERSION,
    }


def test_artifacts_are_pinned_and_complete() -> None:
    coordinates = [a.coordinates for a in ARTIFACTS]
    assert len(coordinates) == len(set(coordinates))
    assert all(re.fullmatch(r"[0-9a-f]{64}", a.sha256) for a in ARTIFACTS)
    assert {a.dest for a in ARTIFACTS} == {
        "lib",
        "lib/entitlement-bridge",
        "modules/transport-netty4",
        "tools/ecj",
    }
    for needed in ("elasticsearch", "elasticsearch-entitlement", "elasticsearch-native"):
        assert f"org.elasticsearch:{needed}:{ES_VERSION}" in coordinates
    assert f"org.elasticsearch.plugin:transport-netty4:{ES_VERSION}" in coordinates
    assert ES_VERSION.startswith("9.")
    server = next(
        a for a in ARTIFACTS if a.coordinates.startswith("org.elasticsearch:elasticsearch:")
    )
    assert (
        server.path
        == f"org/elasticsearch/elasticsearch/{ES_VERSION}/elasticsearch-{ES_VERSION}.jar"
    )


def test_elasticsearch_yml_is_a_single_loopback_node(tmp_path: Path) -> None:
    yml = elasticsearch_yml(Layout(tmp_path, tmp_path / "cache"), "127.0.0.1", 9201)
    settings = dict(
        line.split(": ", 1) for line in yml.splitlines() if line and not line.startswith("#")
    )
    assert settings["discovery.type"] == "single-node"
    assert settings["network.host"] == "127.0.0.1"
    assert settings["http.port"] == "9201"
    assert settings["path.data"] == str(tmp_path / "data")
    assert settings["cluster.routing.allocation.disk.threshold_enabled"] == "false"


def test_heap_sizes() -> None:
    assert heap_bytes("1g") == 1 << 30
    assert heap_bytes("768m") == 768 << 20
    with pytest.raises(EsLocalError):
        heap_bytes("lots")


def test_jvm_command_reproduces_the_official_launcher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = Layout(tmp_path, tmp_path / "cache")
    bridge = layout.home / "lib" / "entitlement-bridge"
    bridge.mkdir(parents=True)
    (bridge / f"elasticsearch-entitlement-bridge-{ES_VERSION}.jar").touch()
    (layout.home / "config").mkdir()
    java = JavaRuntime(Path("/jdk"), 25, frozenset({"java.base", "jdk.management.agent"}))
    (layout.home / "config" / "jvm.options").write_text(jvm_options_file(layout, "1g", java))
    monkeypatch.setenv("ES_JAVA_OPTS", "-Dextra=1")

    command = jvm_command(layout, java, "1g")

    assert command[0] == "/jdk/bin/java"
    assert command[-2:] == [
        "-m",
        "org.elasticsearch.server/org.elasticsearch.bootstrap.Elasticsearch",
    ]
    assert f"-Des.path.home={layout.home}" in command
    assert f"--module-path={layout.home / 'lib'}" in command
    assert any(a.startswith("--patch-module=java.base=") and a.endswith(".jar") for a in command)
    assert {"-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-Dextra=1"} <= set(command)
    assert f"-XX:MaxDirectMemorySize={1 << 29}" in command
    assert "--add-modules=jdk.incubator.vector" not in command  # not in this runtime


def test_write_jar_keeps_only_the_prefix_and_the_manifest(tmp_path: Path) -> None:
    classes = tmp_path / "classes"
    for name in ("a/Agent.class", "a/Agent$1.class", "a/Other.class"):
        (classes / name).parent.mkdir(parents=True, exist_ok=True)
        (classes / name).write_bytes(b"\xca\xfe")
    jar = tmp_path / "agent.jar"
    write_jar(jar, classes, "a/Agent", {"Agent-Class": "a.Agent"})
    with zipfile.ZipFile(jar) as archive:
        assert archive.namelist() == ["META-INF/MANIFEST.MF", "a/Agent$1.class", "a/Agent.class"]
        assert "Agent-Class: a.Agent\r\n" in archive.read("META-INF/MANIFEST.MF").decode()


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
    assert es_local.NodeInfo(version, header).is_elasticsearch_9 is ok


def test_traversable_checks_every_parent() -> None:
    me = pwd.getpwuid(os.getuid())
    try:
        other = pwd.getpwnam("nobody")
    except KeyError:
        need(False, "no 'nobody' user")
    need(other.pw_uid != me.pw_uid, "running as nobody")
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:  # pytest's tmp_path is private (0700)
        root = Path(tmp)
        root.chmod(0o755)
        inner = root / "closed" / "inner"
        inner.mkdir(parents=True)
        assert es_local.traversable(inner, other)
        assert es_local.traversable(root / "closed" / "not-yet", other)
        (root / "closed").chmod(0o700)
        assert es_local.traversable(inner, me)
        assert not es_local.traversable(inner, other)
        assert not es_local.traversable(root / "closed" / "not-yet", other)


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
    slim = fake_jdk(tmp_path, "slim-25", "25.0.2", REQUIRED_MODULES - {"jdk.jlink", "jdk.jdi"})
    with pytest.raises(EsLocalError, match=r"no full JDK 21\+.*slim-25 \(no jdk.jdi, jdk.jlink\)"):
        find_java()
    full21 = fake_jdk(tmp_path, "full-21", "21.0.7", REQUIRED_MODULES)
    full25 = fake_jdk(tmp_path, "full-25", "25.0.3", REQUIRED_MODULES | {"jdk.incubator.vector"})
    assert find_java().home == full25
    monkeypatch.setenv("JAVA_HOME", str(full21))
    assert find_java().home == full21
    monkeypatch.setenv("JAVA_HOME", str(slim))  # not usable: fall back to the newest full JDK
    assert find_java().home == full25
