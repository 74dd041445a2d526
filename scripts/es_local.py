"""Start, stop and check the project's local Elasticsearch 9.x node (no Docker needed).

    python scripts/es_local.py up      # make es-up: download once, start, wait for green/yellow
    python scripts/es_local.py down    # make es-down: stop the node that `up` started
    python scripts/es_local.py status  # make es-status: 0 if a 9.x node answers, 3 if nothing does

The node is the official Elasticsearch server, assembled from Elastic's jars on Maven Central
(see es_local_layout.py for the layout and what the official launcher would do). Downloads are
pinned and checksummed (es_local_artifacts.py) and cached in ``.cache/elasticsearch``; runtime
state (home, data, logs, pid file) lives in ``.es/``. Both are git-ignored.

Environment: ES_URL (default http://127.0.0.1:9200; a node that already answers there is used
as it is), ES_HEAP (default 1g), ES_JAVA_OPTS, JAVA_HOME (a full JDK 21+; else the newest under
/usr/lib/jvm), ES_START_TIMEOUT (seconds, default 180), ES_LOCAL_DIR (runtime folder instead of
.es), ES_LOCAL_USER (the node's user when run as root, default "elasticsearch").

Only the standard library is used, so `down` and `status` work before `make install`.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import pwd
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from es_local_artifacts import ARTIFACTS
from es_local_config import jvm_command, write_config
from es_local_layout import (
    EsLocalError,
    JavaRuntime,
    Layout,
    build_home,
    fetch,
    find_java,
    write_server_args,
)

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "http://127.0.0.1:9200"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class NodeInfo:
    """What answered on ES_URL."""

    version: str
    product_header: str | None

    @property
    def is_elasticsearch_9(self) -> bool:
        return self.product_header == "Elasticsearch" and major_version(self.version) == 9


def major_version(version: str) -> int | None:
    match = re.match(r"(\d+)\.", version)
    return int(match.group(1)) if match else None


def probe(url: str, timeout: float = 2.0) -> NodeInfo | None:
    """GET / on ``url``: None when nothing answers over HTTP."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/", timeout=timeout) as response:
            raw = response.read()
            header = response.headers.get("X-Elastic-Product")
    except urllib.error.HTTPError as error:  # answers, but not with the root banner
        return NodeInfo("", error.headers.get("X-Elastic-Product"))
    except (OSError, ValueError):
        return None
    try:
        version = json.loads(raw)["version"]["number"]
    except (ValueError, KeyError, TypeError):
        version = ""
    return NodeInfo(str(version), header)


def cluster_status(url: str) -> str | None:
    try:
        health_url = url.rstrip("/") + "/_cluster/health?wait_for_status=yellow&timeout=1s"
        with urllib.request.urlopen(health_url, timeout=5) as response:
            return str(json.loads(response.read())["status"])
    except (OSError, ValueError, KeyError):
        return None


# ---- Java and the node user --------------------------------------------------------------


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
    groups = {user.pw_gid} | {g for g in os.getgrouplist(user.pw_name, user.pw_gid)}
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


def runtime_layout(user: pwd.struct_passwd | None) -> Layout:
    """``.es`` in the project, or a folder under /var/tmp when the node user cannot reach it."""
    cache = PROJECT / ".cache" / "elasticsearch"
    root = Path(os.environ.get("ES_LOCAL_DIR", PROJECT / ".es")).resolve()
    if user is not None and not traversable(root, user):
        tag = hashlib.sha256(str(root).encode()).hexdigest()[:10]
        fallback = Path("/var/tmp") / f"news-etl-es-{tag}"
        print(f"es-local: {root} is not reachable by user {user.pw_name}; using {fallback}")
        root = fallback
    return Layout(root, cache)


def prepare_folders(layout: Layout, user: pwd.struct_passwd | None) -> None:
    layout.root.mkdir(parents=True, exist_ok=True)
    layout.root.chmod(0o755)
    for folder in (layout.data, layout.logs, layout.tmp):
        folder.mkdir(exist_ok=True)
        if user is not None and folder.stat().st_uid != user.pw_uid:
            for path in [folder, *folder.rglob("*")]:
                os.chown(path, user.pw_uid, user.pw_gid, follow_symlinks=False)


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
        text = (layout.home / "config" / "elasticsearch.yml").read_text()
        match = re.search(r"^http\.port: (\d+)$", text, re.MULTILINE)
        return int(match.group(1)) if match else None
    return None


def start(layout: Layout, java: JavaRuntime, user: pwd.struct_passwd | None, heap: str) -> int:
    """Start the server JVM detached (own session, survives this process); returns its PID."""
    args_file = layout.root / "serverargs.bin"
    args_file.unlink(missing_ok=True)
    write_server_args(java, layout, args_file)
    args_file.chmod(0o600)  # carries the keystore seed; the JVM reads it through stdin
    # Inherited by the JVM: the official packages raise the open-files limit for the node too.
    # Raising the hard limit needs root (and CAP_SYS_RESOURCE); otherwise go up to the hard one.
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    unlimited = hard == resource.RLIM_INFINITY
    for limits in (
        (65535, hard if unlimited else max(hard, 65535)),
        (65535 if unlimited else min(65535, hard), hard),
    ):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, limits)
            break
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "LIBFFI_TMPDIR": str(layout.tmp),
        "HOSTNAME": os.uname().nodename,
    }
    with args_file.open("rb") as stdin, layout.console_log.open("wb") as console:
        process = subprocess.Popen(
            jvm_command(layout, java, heap),
            stdin=stdin,
            stdout=console,
            stderr=subprocess.STDOUT,
            cwd=layout.logs,
            env=env,
            start_new_session=True,
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            extra_groups=[] if user else None,
        )
    args_file.unlink()
    layout.pid_file.write_text(f"{process.pid}\n")
    return process.pid


def wait_ready(url: str, layout: Layout, pid: int, timeout: float) -> str:
    """Wait for green/yellow; fail with the node's own last error line if it exits or hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = cluster_status(url)
        if status in {"green", "yellow"}:
            return status
        if not alive(pid):
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, os.WNOHANG)
            raise EsLocalError(
                f"Elasticsearch exited while starting: {last_error(layout)}; see {layout.log_file}"
            )
        time.sleep(1)
    raise EsLocalError(
        f"Elasticsearch not green/yellow on {url} after {timeout:.0f}s "
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
    marks = [i for i, line in enumerate(lines) if "][ERROR][" in line or "Error occurred" in line]
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


def cmd_up(url: str) -> int:
    started = time.monotonic()
    info = probe(url)
    if info is not None:
        if info.is_elasticsearch_9:
            print(f"es-local: Elasticsearch {info.version} already answers at {url}; nothing to do")
            return 0
        what = f"version {info.version or '?'}, product {info.product_header}"
        raise EsLocalError(f"{url} answers but is not Elasticsearch 9.x ({what})")
    parsed = urllib.parse.urlsplit(url)
    if parsed.hostname not in LOCAL_HOSTS or parsed.scheme != "http":
        raise EsLocalError(f"nothing answers at ES_URL={url}; only http://127.0.0.1 starts here")
    user = node_user()
    layout = runtime_layout(user)
    with exclusive(layout):
        pid = running_pid(layout)
        if pid is not None and served_port(layout) != (parsed.port or 9200):
            raise EsLocalError(
                f"the node from es-up (pid {pid}) serves port {served_port(layout)}, not ES_URL's; "
                "run `make es-down` first"
            )
        if pid is None:
            java = find_java()
            if user is not None and not traversable(java.home, user):
                raise EsLocalError(f"Java at {java.home} is not readable by user {user.pw_name}")
            jars = fetch(
                [a for a in ARTIFACTS if a.dest != "tools/ecj" or java.javac is None], layout.cache
            )
            if build_home(layout, java, jars):
                print(f"es-local: assembled Elasticsearch home in {layout.home}")
            heap = os.environ.get("ES_HEAP", "1g")
            write_config(
                layout,
                "127.0.0.1" if parsed.hostname == "localhost" else parsed.hostname,
                parsed.port or 9200,
                heap,
                java,
            )
            prepare_folders(layout, user)
            pid = start(layout, java, user, heap)
            print(f"es-local: starting Elasticsearch (pid {pid}, Java {java.major} at {java.home})")
        else:
            print(f"es-local: Elasticsearch (pid {pid}) is already starting; waiting for it")
        status = wait_ready(url, layout, pid, float(os.environ.get("ES_START_TIMEOUT", "180")))
    info = probe(url)
    version = info.version if info else "?"
    print(
        f"es-local: Elasticsearch {version} is up at {url} (cluster {status}, pid {pid}, "
        f"{time.monotonic() - started:.0f}s); logs: {layout.logs}"
    )
    return 0


def cmd_down() -> int:
    layout = runtime_layout(node_user(create=False))
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


def cmd_status(url: str) -> int:
    info = probe(url)
    if info is None:
        print(f"es-local: nothing answers at {url}")
        return 3
    if info.product_header != "Elasticsearch":
        print(f"es-local: something that is not Elasticsearch answers at {url}")
        return 1
    status = cluster_status(url) or "unknown"
    print(f"es-local: Elasticsearch {info.version or '?'} answers at {url} (cluster {status})")
    return 0 if info.is_elasticsearch_9 else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("command", choices=["up", "down", "status"])
    args = parser.parse_args(argv)
    url = os.environ.get("ES_URL", DEFAULT_URL)
    try:
        if args.command == "up":
            return cmd_up(url)
        if args.command == "down":
            return cmd_down()
        return cmd_status(url)
    except EsLocalError as error:
        print(f"es-local: error: {error}", file=sys.stderr)
        return 1
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"es-local: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
