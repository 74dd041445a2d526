"""Start, stop and check the project's local Elasticsearch 9.x nodes (no Docker needed).

    python -m es_local up [--secure]      # make es-up: download once, start, wait for yellow
    python -m es_local down [--secure]    # make es-down: stop the node that `up` started
    python -m es_local status [--secure]  # make es-status: 0 if a 9.x node answers, 3 if none

The node is Elastic's own distribution zip, started with its own ``bin/elasticsearch`` (see
distribution.py). The zip is pinned by checksum and cached in ``.cache/elasticsearch``; the
plain node's state (home, config, data, logs, pid file) lives in ``.es/``, the secured node's
in ``.es-secure/``. All are git-ignored.

The plain node serves ES_URL (default http://127.0.0.1:9200) without security. ``--secure``
starts a second node on ES_SECURE_URL (default https://127.0.0.1:9201) with security and TLS on
like the compose stack: HTTPS with a certificate from a CA made by the distribution's
``elasticsearch-certutil`` (``.es-secure/ca.crt``, for ES_CA_CERTS), and the user ``elastic``
with the password ES_PASSWORD (default: generated once and kept in .es-secure/elastic-password).

Environment: ES_URL, ES_SECURE_URL, ES_PASSWORD, ES_HEAP (default 1g), ES_JAVA_OPTS, JAVA_HOME
(a full JDK 21+; else the newest under /usr/lib/jvm), ES_START_TIMEOUT (seconds, default 180),
ES_LOCAL_DIR / ES_LOCAL_SECURE_DIR (runtime folders instead of .es / .es-secure), ES_LOCAL_USER
(the node's user when run as root, default "elasticsearch").

Only the standard library is used, so `down` and `status` work before `make install`.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import hashlib
import json
import os
import pwd
import re
import resource
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from es_local.distribution import (
    EsLocalError,
    JavaRuntime,
    Layout,
    base_env,
    build_home,
    find_java,
    run,
    write_config,
)

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "http://127.0.0.1:9200"
DEFAULT_SECURE_URL = "https://127.0.0.1:9201"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
SUPERUSER = "elastic"


# ---- URLs and credentials ------------------------------------------------------------------


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***``: every URL this launcher prints."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0] if ":" in userinfo else ""
    shown = f"{user}:***@" if user else "***@"
    return urllib.parse.urlunsplit(parts._replace(netloc=shown + hostport))


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``url`` without ``user:password@``, and those credentials (None when there are none)."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    plain = urllib.parse.urlunsplit(parts._replace(netloc=hostport))
    return plain, (urllib.parse.unquote(user), urllib.parse.unquote(password))


def with_credentials(url: str, user: str, password: str) -> str:
    """``url`` with ``user:password@`` (quoted) in front of its host."""
    parts = urllib.parse.urlsplit(url)
    userinfo = f"{urllib.parse.quote(user, safe='')}:{urllib.parse.quote(password, safe='')}"
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{userinfo}@{parts.netloc}"))


@dataclass(frozen=True)
class Access:
    """How to reach a node: its URL (credentials split off), basic auth and the CA to trust."""

    url: str
    auth: tuple[str, str] | None = None
    ca_file: Path | None = None

    @classmethod
    def of(cls, url: str, ca_file: Path | None = None) -> Access:
        plain, auth = split_credentials(url)
        if ca_file is None and os.environ.get("ES_CA_CERTS"):
            ca_file = Path(os.environ["ES_CA_CERTS"])
        return cls(plain, auth, ca_file)

    def request(self, path: str, body: dict[str, object] | None = None) -> urllib.request.Request:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url.rstrip("/") + path, data=data)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.auth is not None:
            token = base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        return request

    def tls(self) -> ssl.SSLContext | None:
        """For HTTPS: trust the CA file once it exists (before that, the system's CAs)."""
        if not self.url.startswith("https:"):
            return None
        cafile = str(self.ca_file) if self.ca_file and self.ca_file.is_file() else None
        return ssl.create_default_context(cafile=cafile)

    def open(self, path: str, timeout: float, body: dict[str, object] | None = None) -> bytes:
        request = self.request(path, body)
        with urllib.request.urlopen(request, timeout=timeout, context=self.tls()) as response:
            return bytes(response.read())


@dataclass(frozen=True)
class NodeInfo:
    """What answered on the URL."""

    version: str
    product_header: str | None
    unauthorized: bool = False

    @property
    def is_elasticsearch_9(self) -> bool:
        return self.product_header == "Elasticsearch" and major_version(self.version) == 9


def major_version(version: str) -> int | None:
    match = re.match(r"(\d+)\.", version)
    return int(match.group(1)) if match else None


def probe(access: Access, timeout: float = 2.0) -> NodeInfo | None:
    """GET / on the node: None when nothing answers over HTTP(S)."""
    try:
        request = access.request("/")
        with urllib.request.urlopen(request, timeout=timeout, context=access.tls()) as response:
            raw = response.read()
            header = response.headers.get("X-Elastic-Product")
    except urllib.error.HTTPError as error:  # answers, but not with the root banner
        return NodeInfo("", error.headers.get("X-Elastic-Product"), error.code == 401)
    except (OSError, ValueError):
        return None
    try:
        version = json.loads(raw)["version"]["number"]
    except (ValueError, KeyError, TypeError):
        version = ""
    return NodeInfo(str(version), header)


def cluster_status(access: Access) -> str | None:
    with contextlib.suppress(OSError, ValueError, KeyError):
        raw = access.open("/_cluster/health?wait_for_status=yellow&timeout=1s", timeout=5)
        return str(json.loads(raw)["status"])
    return None


# ---- the node user and folders -------------------------------------------------------------


def node_user(create: bool = True) -> pwd.struct_passwd | None:
    """Elasticsearch refuses to run as root: as root, run it as an unprivileged system user."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("ES_LOCAL_USER", "elasticsearch")
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(name)
    if not create:
        return None
    if not shutil.which("useradd"):
        raise EsLocalError(f"running as root and cannot create user {name!r}: no useradd")
    subprocess.run(
        [
            "useradd",
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            name,
        ],
        check=True,
    )
    return pwd.getpwnam(name)


def traversable(path: Path, user: pwd.struct_passwd) -> bool:
    """Whether ``user`` can reach ``path``: search permission on every folder down to it."""
    groups = {user.pw_gid, *os.getgrouplist(user.pw_name, user.pw_gid)}
    for folder in [*reversed(path.parents), path]:
        try:
            st = folder.stat()
        except FileNotFoundError:
            return True  # created below by us, with mode 0755
        if st.st_uid == user.pw_uid:
            bit = 0o100
        elif st.st_gid in groups:
            bit = 0o010
        else:
            bit = 0o001
        if not st.st_mode & bit:
            return False
    return True


def runtime_layout(user: pwd.struct_passwd | None, secure: bool = False) -> Layout:
    """``.es`` (``.es-secure``) in the project; under /var/tmp if the node user cannot reach it."""
    cache = PROJECT / ".cache" / "elasticsearch"
    variable, default = ("ES_LOCAL_SECURE_DIR", ".es-secure") if secure else ("ES_LOCAL_DIR", ".es")
    root = Path(os.environ.get(variable, PROJECT / default)).resolve()
    if user is not None and not traversable(root, user):
        tag = hashlib.sha256(str(root).encode()).hexdigest()[:10]
        fallback = Path("/var/tmp") / f"news-etl-{default.lstrip('.')}-{tag}"
        print(f"es-local: {root} is not reachable by user {user.pw_name}; using {fallback}")
        root = fallback
    return Layout(root, cache)


def prepare_folders(layout: Layout, user: pwd.struct_passwd | None) -> None:
    """The node user owns its state (root folder for the pid file, config, data, logs, tmp)."""
    layout.root.mkdir(parents=True, exist_ok=True)
    layout.root.chmod(0o755)
    for folder in (layout.config, layout.data, layout.logs, layout.tmp):
        folder.mkdir(exist_ok=True)
    if user is None:
        return
    os.chown(layout.root, user.pw_uid, user.pw_gid)
    for folder in (layout.config, layout.data, layout.logs, layout.tmp):
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, user.pw_uid, user.pw_gid, follow_symlinks=False)


# ---- the secured node: certificates and the password of `elastic` ------------------------


def generated_password() -> str:
    """Letters and digits only: the password goes into URLs, like the compose stack's."""
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(24))


def stored_password(layout: Layout) -> str | None:
    with contextlib.suppress(OSError):
        return layout.password_file.read_text().strip() or None
    return None


def store_password(layout: Layout, password: str) -> None:
    """Write the password file readable by its owner only (the caller, never the node)."""
    fd = os.open(layout.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password + "\n")
    layout.password_file.chmod(0o600)


def wanted_password(layout: Layout) -> str:
    """ES_PASSWORD, else the stored one, else a new one (stored at start)."""
    return os.environ.get("ES_PASSWORD") or stored_password(layout) or generated_password()


def secure_access(layout: Layout | None = None) -> Access:
    """How to reach the secured node as ``elastic``: for the launcher and the secured tests."""
    layout = layout or runtime_layout(node_user(create=False), secure=True)
    url, _ = split_credentials(os.environ.get("ES_SECURE_URL", DEFAULT_SECURE_URL))
    return Access(url, (SUPERUSER, wanted_password(layout)), layout.ca_cert)


def make_certificates(layout: Layout, java: JavaRuntime) -> None:
    """A CA and an HTTPS certificate for the loopback, made once by elasticsearch-certutil."""
    certs = layout.config / "certs"
    if (certs / "node" / "node.crt").is_file() and layout.ca_cert.is_file():
        return
    shutil.rmtree(certs, ignore_errors=True)
    certutil = str(layout.home / "bin" / "elasticsearch-certutil")
    env = {**base_env(java), "ES_PATH_CONF": str(layout.config)}
    with tempfile.TemporaryDirectory() as tmp:
        ca_zip, node_zip = Path(tmp, "ca.zip"), Path(tmp, "node.zip")
        run([certutil, "ca", "--silent", "--pem", "--out", str(ca_zip)], "certutil ca", env=env)
        with zipfile.ZipFile(ca_zip) as archive:
            archive.extractall(certs)
        command = [certutil, "cert", "--silent", "--pem", "--out", str(node_zip), "--name", "node"]
        command += [
            "--ca-cert",
            str(certs / "ca" / "ca.crt"),
            "--ca-key",
            str(certs / "ca" / "ca.key"),
        ]
        command += ["--dns", "localhost", "--ip", "127.0.0.1", "--ip", "::1"]
        run(command, "certutil cert", env=env)
        with zipfile.ZipFile(node_zip) as archive:
            archive.extractall(certs)
    certs.chmod(0o700)
    for key in certs.rglob("*.key"):
        key.chmod(0o600)  # only the node (its owner after prepare_folders) reads the keys
    shutil.copyfile(certs / "ca" / "ca.crt", layout.ca_cert)
    layout.ca_cert.chmod(0o644)


def set_bootstrap_password(layout: Layout, java: JavaRuntime, password: str) -> None:
    """The first password of `elastic` on a node with no data yet (the keystore's bootstrap one)."""
    keystore = str(layout.home / "bin" / "elasticsearch-keystore")
    env = {**base_env(java), "ES_PATH_CONF": str(layout.config)}
    if not (layout.config / "elasticsearch.keystore").exists():
        run([keystore, "create"], "creating the keystore", env=env)
    add = [keystore, "add", "--force", "--stdin", "bootstrap.password"]
    run(add, "storing the bootstrap password", env=env, stdin=password)


def settle_password(layout: Layout, access: Access, pid: int, timeout: float) -> None:
    """Make `elastic`'s password the wanted one; change it from the stored one if they differ.

    Waits for a clear answer first: right after a start the node says 503 until its security
    index is readable, and that is neither a yes nor a no.
    """
    assert access.auth is not None
    wanted = access.auth[1]
    deadline = time.monotonic() + timeout
    while True:
        info = probe(access, timeout=10)
        if info is not None and info.is_elasticsearch_9:
            store_password(layout, wanted)
            return
        if info is not None and info.unauthorized:
            break
        if not alive(pid) or time.monotonic() > deadline:
            raise EsLocalError(
                f"the secured node gives no answer to {SUPERUSER!r}: {last_error(layout)}"
            )
        time.sleep(1)
    old = stored_password(layout)
    if old is None or old == wanted:
        raise EsLocalError(
            f"the secured node refuses the password of {SUPERUSER!r}; "
            f"set ES_PASSWORD to its password, or `down --secure` and delete {layout.root}"
        )
    current = Access(access.url, (SUPERUSER, old), access.ca_file)
    deadline = time.monotonic() + 120
    while True:
        try:
            current.open(f"/_security/user/{SUPERUSER}/_password", 30, {"password": wanted})
            break
        except urllib.error.HTTPError as error:
            # 503 while the node creates or recovers its .security index: try again shortly.
            if error.code != 503 or time.monotonic() > deadline:
                raise EsLocalError(
                    f"cannot change the password of {SUPERUSER!r}: {error}"
                ) from None
            time.sleep(2)
        except (OSError, ValueError) as error:
            raise EsLocalError(f"cannot change the password of {SUPERUSER!r}: {error}") from None
    store_password(layout, wanted)
    print(f"es-local: changed the password of {SUPERUSER!r} to ES_PASSWORD")


# ---- process control ---------------------------------------------------------------------


@contextlib.contextmanager
def exclusive(layout: Layout) -> Iterator[None]:
    """One `up`/`down` at a time (make test and a developer may race)."""
    layout.root.mkdir(parents=True, exist_ok=True)
    with (layout.root / "es-local.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def running_pid(layout: Layout) -> int | None:
    """PID from the pid file if that process is still our node (not a recycled PID)."""
    try:
        pid = int(layout.pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    return pid if f"-Des.path.home={layout.home}".encode() in cmdline else None


def served_port(layout: Layout) -> int | None:
    """HTTP port in the running node's generated elasticsearch.yml."""
    with contextlib.suppress(OSError):
        text = (layout.config / "elasticsearch.yml").read_text()
        match = re.search(r"^http\.port: (\d+)$", text, re.MULTILINE)
        return int(match.group(1)) if match else None
    return None


def raise_open_files_limit() -> None:
    """Inherited by the node: the official packages raise the open-files limit too.

    Raising the hard limit needs root (and CAP_SYS_RESOURCE); otherwise go up to the hard one.
    """
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    unlimited = hard == resource.RLIM_INFINITY
    for limits in (
        (65535, hard if unlimited else max(hard, 65535)),
        (65535 if unlimited else min(65535, hard), hard),
    ):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, limits)
            return


def start(layout: Layout, java: JavaRuntime, user: pwd.struct_passwd | None, timeout: float) -> int:
    """``bin/elasticsearch -d -p PIDFILE``: returns once the node has started; its PID."""
    raise_open_files_limit()
    env = {
        **base_env(java),
        "ES_PATH_CONF": str(layout.config),
        "ES_TMPDIR": str(layout.tmp),
        "LIBFFI_TMPDIR": str(layout.tmp),
    }
    if os.environ.get("ES_JAVA_OPTS"):
        env["ES_JAVA_OPTS"] = os.environ["ES_JAVA_OPTS"]
    layout.pid_file.unlink(missing_ok=True)
    command = [str(layout.home / "bin" / "elasticsearch"), "-d", "-p", str(layout.pid_file)]
    with layout.console_log.open("wb") as console:
        if user is not None:
            os.chown(layout.console_log, user.pw_uid, user.pw_gid)
        try:
            result = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                cwd=layout.root,
                env=env,
                start_new_session=True,  # the node outlives this process and its terminal
                user=user.pw_uid if user else None,
                group=user.pw_gid if user else None,
                extra_groups=[] if user else None,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise EsLocalError(
                f"Elasticsearch did not start within {timeout:.0f}s; see {layout.log_file}"
            ) from None
    pid = running_pid(layout)
    if result.returncode != 0 or pid is None:
        raise EsLocalError(
            f"Elasticsearch exited while starting: {last_error(layout)}; see {layout.log_file}"
        )
    return pid


def wait_ready(access: Access, layout: Layout, pid: int, timeout: float) -> str:
    """Wait for green/yellow; fail with the node's own last error line if it exits or hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = cluster_status(access)
        if status in {"green", "yellow"}:
            return status
        if not alive(pid):
            raise EsLocalError(
                f"Elasticsearch exited while starting: {last_error(layout)}; see {layout.log_file}"
            )
        time.sleep(1)
    raise EsLocalError(
        f"Elasticsearch not green/yellow on {redact(access.url)} after {timeout:.0f}s "
        f"(pid {pid} left running); see {layout.log_file}"
    )


def alive(pid: int) -> bool:
    """Running (an exited child of ours lingers as a zombie until reaped)."""
    try:
        return b"(zombie)" not in Path(f"/proc/{pid}/status").read_bytes()
    except OSError:
        return False


def last_error(layout: Layout) -> str:
    """The node's own account of why it stopped, squeezed into one line."""
    lines: list[str] = []
    for log in (layout.console_log, layout.log_file):
        with contextlib.suppress(OSError):
            lines += log.read_text(errors="replace").splitlines()[-400:]
    exception = re.compile(r"^(Caused by: )?[\w.$]+(Exception|Error)\b")
    # The launcher could not even start the JVM: the JVM's own words follow its "error:" line.
    if any("starting java failed" in line for line in lines) and "error:" in lines:
        after = lines[lines.index("error:") + 1 :]
        said = next((line.strip() for line in after if line.strip()), "")
        if said:
            return f"the JVM refused to start: {said}"[:400]
    marks = [i for i, line in enumerate(lines) if "][ERROR][" in line or "ERROR:" in line]
    if marks:
        after = [line.strip() for line in lines[marks[-1] + 1 : marks[-1] + 80]]
        found = [line for line in after if exception.match(line)]
        if found:
            causes = [line for line in found[1:] if line.startswith("Caused by: ")]
            return "; ".join([found[0], *causes[-1:]])[:400]
        return lines[marks[-1]].strip()[:400]
    found = [line.strip() for line in lines if exception.match(line.strip())]
    rest = [line.strip() for line in lines if line.strip()]
    return (found or rest or ["no output"])[-1][:400]


# ---- commands ------------------------------------------------------------------------------


def target(secure: bool) -> tuple[Layout | None, Access]:
    """The secured node's layout (None for the plain node) and how to reach the node."""
    if secure:
        layout = runtime_layout(node_user(create=False), secure=True)
        return layout, secure_access(layout)
    return None, Access.of(os.environ.get("ES_URL", DEFAULT_URL))


def cmd_up(secure: bool) -> int:
    started = time.monotonic()
    secure_layout, access = target(secure)
    shown = redact(access.url)
    info = probe(access)
    if info is not None:
        if info.is_elasticsearch_9:
            if secure_layout is not None and access.auth is not None:
                store_password(secure_layout, access.auth[1])  # it works: the one to keep
            print(
                f"es-local: Elasticsearch {info.version} already answers at {shown}; nothing to do"
            )
            return 0
        ours = secure_layout is not None and running_pid(secure_layout) is not None
        if info.unauthorized and not ours:
            raise EsLocalError(f"{shown} answers but refuses the credentials given for it")
        if not info.unauthorized:
            what = f"version {info.version or '?'}, product {info.product_header}"
            raise EsLocalError(f"{shown} answers but is not Elasticsearch 9.x ({what})")
        # Our secured node, and ES_PASSWORD changed: settle_password below changes it.
    parsed = urllib.parse.urlsplit(access.url)
    scheme = "https" if secure else "http"
    if parsed.hostname not in LOCAL_HOSTS or parsed.scheme != scheme:
        name = "ES_SECURE_URL" if secure else "ES_URL"
        raise EsLocalError(
            f"nothing answers at {name}={shown}; only {scheme}://127.0.0.1 starts here"
        )
    port = parsed.port or 9200
    user = node_user()
    layout = runtime_layout(user, secure)
    if secure:
        access = secure_access(layout)
    timeout = float(os.environ.get("ES_START_TIMEOUT", "180"))
    with exclusive(layout):
        pid = running_pid(layout)
        if pid is not None and served_port(layout) != port:
            raise EsLocalError(
                f"the node from es-up (pid {pid}) serves port {served_port(layout)}, not {port}; "
                f"run `python -m es_local down{' --secure' if secure else ''}` first"
            )
        if pid is None:
            java = find_java()
            if user is not None and not traversable(java.home, user):
                raise EsLocalError(f"Java at {java.home} is not readable by user {user.pw_name}")
            if build_home(layout, java):
                print(f"es-local: unpacked Elasticsearch with the compat plugin in {layout.home}")
            host = "127.0.0.1" if parsed.hostname == "localhost" else str(parsed.hostname)
            heap = os.environ.get("ES_HEAP", "1g")
            write_config(layout, host, port, heap, secure)
            if secure:
                make_certificates(layout, java)
                layout.data.mkdir(parents=True, exist_ok=True)
                if not any(layout.data.iterdir()):
                    assert access.auth is not None
                    set_bootstrap_password(layout, java, access.auth[1])
                    store_password(layout, access.auth[1])
            prepare_folders(layout, user)
            print(f"es-local: starting Elasticsearch (Java {java.major} at {java.home})")
            pid = start(layout, java, user, timeout)
        else:
            print(f"es-local: Elasticsearch (pid {pid}) is already running; waiting for it")
        if secure:
            settle_password(layout, access, pid, timeout)
        status = wait_ready(access, layout, pid, timeout)
    info = probe(access)
    version = info.version if info else "?"
    print(
        f"es-local: Elasticsearch {version} is up at {shown} (cluster {status}, pid {pid}, "
        f"{time.monotonic() - started:.0f}s); logs: {layout.logs}"
    )
    if secure:
        print(f"es-local: user {SUPERUSER!r}, password in {layout.password_file}")
        print(f"es-local: CA certificate (ES_CA_CERTS): {layout.ca_cert}")
    return 0


def cmd_down(secure: bool) -> int:
    layout = runtime_layout(node_user(create=False), secure)
    with exclusive(layout):
        pid = running_pid(layout)
        if pid is None:
            layout.pid_file.unlink(missing_ok=True)
            print("es-local: no local Elasticsearch started by es-up is running")
            return 0
        os.kill(pid, signal.SIGTERM)  # the server's shutdown hook closes the node cleanly
        deadline = time.monotonic() + float(os.environ.get("ES_STOP_TIMEOUT", "60"))
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.5)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
            print(f"es-local: pid {pid} did not stop on SIGTERM; killed it")
        layout.pid_file.unlink(missing_ok=True)
    print(f"es-local: stopped Elasticsearch (pid {pid})")
    return 0


def cmd_status(secure: bool) -> int:
    _, access = target(secure)
    shown = redact(access.url)
    info = probe(access)
    if info is None:
        print(f"es-local: nothing answers at {shown}")
        return 3
    if info.unauthorized:
        print(f"es-local: {shown} answers but refuses the credentials given for it")
        return 1
    if info.product_header != "Elasticsearch":
        print(f"es-local: something that is not Elasticsearch answers at {shown}")
        return 1
    status = cluster_status(access) or "unknown"
    print(f"es-local: Elasticsearch {info.version or '?'} answers at {shown} (cluster {status})")
    return 0 if info.is_elasticsearch_9 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m es_local", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["up", "down", "status"])
    parser.add_argument(
        "--secure",
        action="store_true",
        help="the second node, with security and TLS (ES_SECURE_URL, default :9201)",
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            return cmd_up(args.secure)
        if args.command == "down":
            return cmd_down(args.secure)
        return cmd_status(args.secure)
    except (EsLocalError, OSError, subprocess.CalledProcessError) as error:
        print(f"es-local: error: {redact_all(str(error))}", file=sys.stderr)
        return 1


def redact_all(text: str) -> str:
    """Every URL in ``text`` redacted (an error may quote one)."""
    return re.sub(r"[a-z][a-z0-9+.-]*://\S+", lambda m: redact(m.group(0)), text)
