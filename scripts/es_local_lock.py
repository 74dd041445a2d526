"""Regenerate scripts/es_local_artifacts.py: the pinned Maven Central artifacts of the local node.

Maintainers only (needs Maven, which the machine image has); ``make es-up`` never runs this.
``es_local.py up`` downloads exactly the pinned list with plain HTTPS and checks every file
against the pinned SHA-256, so a fresh machine or CI needs neither Maven nor a resolver, and a
changed or truncated file on the wire is refused.

How the list is made: Maven resolves the runtime dependencies of the official server jar and of
each official module jar from their POMs; module dependencies already on the server's module
path stay out of the module folder, as in the official distribution. Each file's SHA-256 is
computed locally and compared with the checksum Maven Central publishes next to it.

Usage: .venv/bin/python scripts/es_local_lock.py 9.5.3 > scripts/es_local_artifacts.py
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

CENTRAL = "https://repo1.maven.org/maven2"
# Official module jars published on Maven Central (most of the distribution's modules are not).
MODULES = {"transport-netty4": ("org.elasticsearch.plugin", "transport-netty4")}
# Compiles the local helpers when the Java runtime has every module the server needs but no javac.
ECJ = ("org.eclipse.jdt", "ecj", "3.46.100")

POM = """<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>local</groupId><artifactId>lock</artifactId><version>1</version><dependencies>
<dependency><groupId>{g}</groupId><artifactId>{a}</artifactId><version>{v}</version></dependency>
</dependencies></project>"""


def resolve(group: str, artifact: str, version: str) -> dict[tuple[str, str, str], Path]:
    """Runtime closure of one artifact, as Maven resolves it: {(group, artifact, version): jar}."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "pom.xml").write_text(POM.format(g=group, a=artifact, v=version))
        out = Path(tmp, "deps.txt")
        subprocess.run(
            ["mvn", "-q", "-B", "-Dstyle.color=never", "dependency:list", "-DincludeScope=runtime",
             "-DoutputAbsoluteArtifactFilename=true", f"-DoutputFile={out}"],
            cwd=tmp, check=True, stdout=sys.stderr,
        )  # fmt: skip
        found: dict[tuple[str, str, str], Path] = {}
        for line in out.read_text().splitlines():
            parts = line.strip().split(":")
            if len(parts) >= 6 and parts[2] == "jar":
                group_id, artifact_id, _, version_id = parts[:4]
                path = ":".join(parts[5:]).split(" ")[0]
                found[(group_id, artifact_id, version_id)] = Path(path)
        return found


def check_published(group: str, artifact: str, version: str, data: bytes) -> None:
    """Compare with the strongest checksum Central publishes for the jar (old uploads: SHA-1)."""
    url = f"{CENTRAL}/{group.replace('.', '/')}/{artifact}/{version}/{artifact}-{version}.jar"
    for algorithm in ("sha512", "sha256", "sha1"):
        try:
            with urllib.request.urlopen(f"{url}.{algorithm}", timeout=60) as response:
                published = response.read().decode().split()[0].strip().lower()
        except urllib.error.HTTPError as error:
            if error.code == 404:
                continue
            raise
        if hashlib.new(algorithm, data).hexdigest() != published:
            raise SystemExit(f"{algorithm} mismatch for {group}:{artifact}:{version}")
        return
    raise SystemExit(f"Maven Central publishes no checksum for {group}:{artifact}:{version}")


def entry(gav: tuple[str, str, str], jar: Path, dest: str) -> str:
    data = jar.read_bytes()
    check_published(*gav, data)
    digest = hashlib.sha256(data).hexdigest()
    coordinates = ":".join(gav)
    fields = "".join(f'        "{value}",\n' for value in (coordinates, dest, digest))
    return f"    Artifact(\n{fields}    ),"


def main(version: str) -> None:
    server = resolve("org.elasticsearch", "elasticsearch", version)
    lines = [entry(gav, jar, "lib") for gav, jar in sorted(server.items())]
    bridge = resolve("org.elasticsearch", "elasticsearch-entitlement-bridge", version)
    lines += [entry(gav, jar, "lib/entitlement-bridge") for gav, jar in bridge.items()]
    for name, (group, artifact) in MODULES.items():
        deps = resolve(group, artifact, version)
        lines += [
            entry(gav, jar, f"modules/{name}")
            for gav, jar in sorted(deps.items())
            if (gav[0], gav[1]) not in {(g, a) for g, a, _ in server}
        ]
    ecj = resolve(*ECJ)
    lines += [entry(gav, jar, "tools/ecj") for gav, jar in ecj.items()]
    print(f'''"""Pinned Maven Central artifacts for the local Elasticsearch node (generated).

Regenerate with: .venv/bin/python scripts/es_local_lock.py VERSION > scripts/es_local_artifacts.py
Each SHA-256 was checked against the checksum Maven Central publishes beside the jar.
dest: folder of the node's home ("tools/ecj" is only fetched when the JDK has no javac).
"""

from __future__ import annotations

from typing import NamedTuple

ES_VERSION = "{version}"


class Artifact(NamedTuple):
    coordinates: str  # group:artifact:version of a jar on Maven Central
    dest: str
    sha256: str

    @property
    def path(self) -> str:
        """Path of the jar below the repository root."""
        group, artifact, version = self.coordinates.split(":")
        return f"{{group.replace('.', '/')}}/{{artifact}}/{{version}}/{{artifact}}-{{version}}.jar"

    @property
    def filename(self) -> str:
        return self.path.rsplit("/", 1)[1]


ARTIFACTS: tuple[Artifact, ...] = (
{chr(10).join(lines)}
)''')


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "9.5.3")
