"""The secured tier: the pipeline against a local node with security and TLS on, like compose.

The node is `python -m es_local up --secure` (HTTPS on 127.0.0.1:9201 with its own CA, user
`elastic` with ES_PASSWORD or the generated password). A node that already answers is used as
it is; one started here is stopped at the end. In CI a node that cannot start fails the tier.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from es_local import launcher

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class SecuredNode:
    url: str  # without credentials
    user: str
    password: str
    ca: Path

    @property
    def url_with_credentials(self) -> str:
        return launcher.with_credentials(self.url, self.user, self.password)

    def env(self, **extra: str) -> dict[str, str]:
        """This process's environment, with the CLI pointed at the secured node."""
        return {
            **os.environ,
            "ES_URL": self.url_with_credentials,
            "ES_CA_CERTS": str(self.ca),
            "PYTHONPATH": str(ROOT),
            **extra,
        }


def _es_local(command: str) -> subprocess.CompletedProcess[str]:
    # Five documents need little heap, and the plain node and Airflow share the machine.
    env = {"ES_HEAP": "512m", **os.environ}
    return subprocess.run(
        [sys.executable, "-m", "es_local", command, "--secure"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _answers() -> bool:
    info = launcher.probe(launcher.secure_access(), timeout=5)
    return info is not None and info.is_elasticsearch_9


@pytest.fixture(scope="session")
def secured() -> Iterator[SecuredNode]:
    """The secured node, started by the launcher when nothing answers on ES_SECURE_URL."""
    started = False
    if not _answers():
        up = _es_local("up")
        if up.returncode != 0:
            reason = f"the secured node did not start: {(up.stderr or up.stdout).strip()[-500:]}"
            if os.environ.get("CI"):
                pytest.fail(reason)
            pytest.skip(reason)
        started = True
    access = launcher.secure_access()  # after `up`: the password it generated, if any
    assert access.auth is not None and access.ca_file is not None
    yield SecuredNode(access.url, access.auth[0], access.auth[1], access.ca_file)
    if started:
        _es_local("down")


@pytest.fixture(scope="session")
def secured_es(secured: SecuredNode) -> Any:
    """A client of the secured node built by the pipeline's own factory."""
    from etl.es import client
    from etl.settings import get_settings

    return client(get_settings(), secured.url_with_credentials, ca_certs=str(secured.ca))


@pytest.fixture
def secured_alias(secured_es: Any) -> Iterator[str]:
    """A unique alias on the secured node; its indices and templates are deleted afterwards."""
    alias = f"sec-{uuid.uuid4().hex[:8]}"
    yield alias
    for name in secured_es.indices.get(index=f"{alias}*", expand_wildcards="all"):
        secured_es.indices.delete(index=name)
    found = secured_es.options(ignore_status=404).indices.get_index_template(name=f"{alias}*")
    for template in found.get("index_templates", []):
        secured_es.indices.delete_index_template(name=template["name"])
