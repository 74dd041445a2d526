"""docker-compose.yml, checked without a Docker engine (none runs on this machine or in CI).

The file is validated against the Compose Specification's own JSON schema (vendored in
tests/data, see its README for the source commit), then against the project's rules: one Elastic
version, one Airflow image that matches the Dockerfile and the pinned Airflow, the project
mounted into every Airflow container, the Elasticsearch connection from an AIRFLOW_CONN_
variable, no secret in the file, and .env kept out of git. Only the setup service uses the
`elastic` superuser: Airflow and the Kibana import log in as users it creates, whose roles cover
the alias and its `ALIAS-...` indices and nothing broader.

Each rule is a function returning the problems it finds, so the same rule runs on the real file
(expecting none) and on deliberately broken copies (expecting some): a rule that cannot fail
would pass those too and be caught.
"""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import json
import re
import shutil
import subprocess
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SCHEMA_FILE = ROOT / "tests" / "data" / "compose-spec.json"
SCHEMA_README = ROOT / "tests" / "data" / "README.md"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
PYPROJECT = ROOT / "pyproject.toml"
# The kibana-setup service runs this (issue 16: production code beside config/kibana/).
IMPORT_SCRIPT = ROOT / "kibana" / "import_objects.py"

ELASTIC_REGISTRY = "docker.elastic.co/"
AIRFLOW_HOME = "/opt/airflow"
# The project folders every Airflow container needs, and where Airflow/etl.settings expect them.
PROJECT_MOUNTS = {
    "./dags": f"{AIRFLOW_HOME}/dags",
    "./plugins": f"{AIRFLOW_HOME}/plugins",
    "./etl": f"{AIRFLOW_HOME}/etl",
    "./config": f"{AIRFLOW_HOME}/config",
}
RAW_DATA_SOURCE = "${NEWS_RAW_DIR:-./data}"
RAW_DATA_TARGET = f"{AIRFLOW_HOME}/data"
# Environment names that hold secrets: their value may only come from .env.
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|FERNET_KEY|API_KEY)", re.IGNORECASE)
# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}
INTERPOLATION = re.compile(
    r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
)
PURE_INTERPOLATION = re.compile(rf"^{INTERPOLATION.pattern}$")

Compose = dict[str, Any]


# ------------------------------------------------------------------------------- loading


def load_compose(path: Path = COMPOSE_FILE) -> Compose:
    # safe_load resolves YAML anchors and `<<` merge keys the way Compose does.
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path} is not a mapping"
    return data


def load_env_example(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    env: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep, f".env.example line is not NAME=value: {raw!r}"
        env[name.strip()] = value.strip()
    return env


def airflow_services(compose: Compose) -> dict[str, dict[str, Any]]:
    """Services that run Airflow itself (the reference's airflow-* services and flower)."""
    return {
        name: svc
        for name, svc in compose["services"].items()
        if name.startswith("airflow-") or name == "flower"
    }


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the list form: ["NAME=value", ...]
        return dict(item.partition("=")[::2] for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def volume_pairs(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(source, target) of each mount, short or long syntax."""
    pairs = []
    for vol in service.get("volumes") or []:
        if isinstance(vol, dict):
            pairs.append((str(vol.get("source", "")), str(vol["target"])))
            continue
        # SOURCE:TARGET[:MODE]; a source may itself contain ':' inside ${...:-...}.
        match = re.match(r"^(?P<src>(?:\$\{[^}]*\}|[^:])+):(?P<dst>[^:]+)(?::(?P<mode>\w+))?$", vol)
        assert match, f"unparsable volume {vol!r}"
        pairs.append((match["src"], match["dst"]))
    return pairs


def all_strings(node: Any) -> list[str]:
    """Every string in the loaded file (keys and values), comments excluded."""
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in all_strings(k) + all_strings(v)]
    if isinstance(node, list):
        return [s for item in node for s in all_strings(item)]
    return [node] if isinstance(node, str) else []


def image_tag(image: str) -> tuple[str, str]:
    match = re.match(r"^(?P<repo>[^:$]+):(?P<tag>.+)$", image)
    assert match, f"image without a tag: {image!r}"
    return match["repo"], match["tag"]


def pinned_airflow_version() -> str:
    deps = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    for dep in deps:
        match = re.match(r"^apache-airflow==(?P<v>[\d.]+)$", dep.strip())
        if match:
            return match["v"]
    raise AssertionError("pyproject.toml pins no apache-airflow==X")


def elasticsearch_client_major() -> int:
    deps = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["dependencies"]
    for dep in deps:
        match = re.match(r"^elasticsearch\s*>=\s*(?P<major>\d+)", dep.strip())
        if match:
            return int(match["major"])
    raise AssertionError("pyproject.toml has no elasticsearch>=N dependency")


def dockerfile_base() -> tuple[str, str]:
    """(airflow version, python version) of the Dockerfile's FROM apache/airflow:X-pythonY."""
    match = re.search(
        r"^FROM\s+apache/airflow:(?P<af>[\d.]+)-python(?P<py>[\d.]+)\s*$",
        DOCKERFILE.read_text(encoding="utf-8"),
        re.MULTILINE,
    )
    assert match, "Dockerfile must start FROM apache/airflow:<version>-python<version>"
    return match["af"], match["py"]


# ------------------------------------------------------------------------------- rules


def schema_problems(compose: Compose) -> list[str]:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'/'.join(map(str, err.absolute_path)) or '<root>'}: {err.message}"
        for err in validator.iter_errors(compose)
    ]


def interpolation_problems(compose: Compose) -> list[str]:
    """Compose rejects a lone "$" that starts no variable: a shell $(...) is written $$(...)."""
    problems = []
    for text in all_strings(compose):
        rest = INTERPOLATION.sub("", text.replace("$$", ""))
        for match in re.finditer(r"\$(?![A-Za-z_])", rest):
            problems.append(
                f"invalid interpolation near {text[max(match.start() - 20, 0) :][:50]!r}"
            )
    return problems


def reference_problems(compose: Compose) -> list[str]:
    """What the schema cannot see: depends_on and named volumes must point at real entries."""
    problems = []
    services = compose["services"]
    declared_volumes = set(compose.get("volumes") or {})
    for name, svc in services.items():
        deps = svc.get("depends_on") or {}
        for dep in deps if isinstance(deps, list) else deps.keys():
            if dep not in services:
                problems.append(f"{name} depends on unknown service {dep!r}")
        for src, _ in volume_pairs(svc):
            is_path = src.startswith((".", "/", "~", "$"))
            if not is_path and src not in declared_volumes:
                problems.append(f"{name} mounts undeclared volume {src!r}")
    return problems


def elastic_version_problems(compose: Compose, env_example: dict[str, str]) -> list[str]:
    problems = []
    defaults: dict[str, str] = {}
    for name, svc in compose["services"].items():
        image = svc.get("image", "")
        if not image.startswith(ELASTIC_REGISTRY):
            continue
        _, tag = image_tag(image)
        match = re.fullmatch(r"\$\{ELASTIC_VERSION:-(?P<default>[^}]+)\}", tag)
        if not match:
            problems.append(f"{name}: tag {tag!r} is not ${{ELASTIC_VERSION:-<version>}}")
            continue
        defaults[name] = match["default"]
    repos = {
        image_tag(s["image"])[0]
        for s in compose["services"].values()
        if str(s.get("image", "")).startswith(ELASTIC_REGISTRY)
    }
    for needed in (
        "docker.elastic.co/elasticsearch/elasticsearch",
        "docker.elastic.co/kibana/kibana",
    ):
        if needed not in repos:
            problems.append(f"no service runs {needed}")
    versions = set(defaults.values())
    if len(versions) > 1:
        problems.append(f"Elastic images disagree on the version: {defaults}")
    wanted = env_example.get("ELASTIC_VERSION")
    if wanted is None:
        problems.append(".env.example has no ELASTIC_VERSION")
    elif versions and versions != {wanted}:
        problems.append(
            f"compose defaults {sorted(versions)} != .env.example ELASTIC_VERSION {wanted}"
        )
    major = int((wanted or "0").split(".")[0])
    if major != elasticsearch_client_major():
        problems.append(
            f"Elastic {wanted} vs elasticsearch client major {elasticsearch_client_major()}"
        )
    return problems


def airflow_image_problems(compose: Compose) -> list[str]:
    problems = []
    services = airflow_services(compose)
    for needed in ("apiserver", "scheduler", "dag-processor", "triggerer", "worker", "init"):
        if f"airflow-{needed}" not in services:
            problems.append(f"missing service airflow-{needed}")
    images = {name: svc.get("image") for name, svc in services.items()}
    if len(set(images.values())) != 1:
        problems.append(f"Airflow services use different images: {images}")
    builds = {name: json.dumps(svc.get("build"), sort_keys=True) for name, svc in services.items()}
    if len(set(builds.values())) != 1 or "null" in builds.values():
        problems.append(f"every Airflow service must build the same Dockerfile: {builds}")
    for name, svc in services.items():
        build = svc.get("build") or {}
        if isinstance(build, dict) and build.get("dockerfile", "Dockerfile") != "Dockerfile":
            problems.append(f"{name} builds {build.get('dockerfile')}, not ./Dockerfile")
    airflow_version, python_version = dockerfile_base()
    if airflow_version != pinned_airflow_version():
        problems.append(
            f"Dockerfile Airflow {airflow_version} != pyproject {pinned_airflow_version()}"
        )
    if python_version != "3.11":
        problems.append(f"Dockerfile Python {python_version}, project is 3.11")
    for name, image in images.items():
        if image and airflow_version not in image:
            problems.append(f"{name}: image tag {image!r} does not name Airflow {airflow_version}")
    for name, svc in services.items():
        if environment(svc).get("AIRFLOW__CORE__EXECUTOR") != "CeleryExecutor":
            problems.append(f"{name}: executor is not CeleryExecutor")
    for needed in ("redis", "postgres"):
        if needed not in compose["services"]:
            problems.append(f"missing service {needed}")
    return problems


def mount_problems(compose: Compose) -> list[str]:
    problems = []
    for name, svc in airflow_services(compose).items():
        pairs = volume_pairs(svc)
        targets = {dst: src for src, dst in pairs}
        for src, dst in PROJECT_MOUNTS.items():
            if targets.get(dst) != src:
                problems.append(f"{name}: {src} is not mounted at {dst}")
        if targets.get(RAW_DATA_TARGET) != RAW_DATA_SOURCE:
            problems.append(
                f"{name}: raw data {RAW_DATA_SOURCE} is not mounted at {RAW_DATA_TARGET}"
            )
        staging = environment(svc).get("NEWS_ETL_STAGING", "")
        src = targets.get(staging)
        if not staging or src is None:
            problems.append(f"{name}: NEWS_ETL_STAGING={staging!r} is not a mounted folder")
        elif src not in (compose.get("volumes") or {}):
            problems.append(f"{name}: staging {staging} is not a shared named volume")
    for src in PROJECT_MOUNTS:
        if not (ROOT / src).is_dir():
            problems.append(f"{src} does not exist in the project")
    return problems


def connection_problems(compose: Compose) -> list[str]:
    """The DAG's Elasticsearch connection comes from AIRFLOW_CONN_<CONN_ID> in every container."""
    problems = []
    source = (ROOT / "etl" / "es.py").read_text(encoding="utf-8")
    match = re.search(r'^CONN_ID\s*=\s*"(?P<id>[^"]+)"', source, re.MULTILINE)
    if not match:
        return ["etl/es.py defines no CONN_ID"]
    var = "AIRFLOW_CONN_" + match["id"].upper()
    services = compose["services"]
    for name, svc in airflow_services(compose).items():
        value = environment(svc).get(var)
        if not value:
            problems.append(f"{name}: {var} is not set")
            continue
        # Fill the interpolations with placeholders so the JSON connection can be parsed.
        conn = json.loads(INTERPOLATION.sub("PLACEHOLDER", value))
        host = conn.get("host")
        if host not in services:
            problems.append(f"{name}: {var} host {host!r} is not a compose service")
        if conn.get("schema") != "https" or conn.get("port") != 9200:
            problems.append(f"{name}: {var} must be https on 9200 (security is on)")
        password = re.search(r'"password":\s*"(?P<p>[^"]*)"', value)
        if not password or not PURE_INTERPOLATION.match(password["p"]):
            problems.append(f"{name}: {var} password is not taken from the environment")
        ca_certs = (conn.get("extra") or {}).get("ca_certs", "")
        if not any(ca_certs.startswith(dst + "/") for _, dst in volume_pairs(svc)):
            problems.append(f"{name}: CA {ca_certs!r} is not inside a mounted volume")
    # "Not from code": the DAG files name no Elasticsearch address of their own.
    for path in sorted((ROOT / "dags").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"https?://|:9200\b", text):
            problems.append(f"{path.relative_to(ROOT)} hard-codes an Elasticsearch address")
    return problems


def secret_problems(compose: Compose, env_example: dict[str, str]) -> list[str]:
    problems = []
    for name, svc in compose["services"].items():
        for key, value in environment(svc).items():
            if SECRET_NAME.search(key) and value:
                match = PURE_INTERPOLATION.match(value)
                if not match or (match["op"] in (":-", "-") and match["arg"]):
                    problems.append(f"{name}: {key} has a literal value or default")
            # Credentials inside a URL: user:password@host
            for url_pw in re.findall(r"://[^/\s:@]*:([^@\s]+)@", value):
                if url_pw and not PURE_INTERPOLATION.match(url_pw):
                    problems.append(f"{name}: {key} embeds a literal password in a URL")
            for json_pw in re.findall(r'"password":\s*"([^"]*)"', value):
                if not PURE_INTERPOLATION.match(json_pw):
                    problems.append(f"{name}: {key} embeds a literal password in JSON")
    # Every variable the file needs is documented in .env.example (the README's recipe is
    # "copy .env.example to .env"), and the example itself carries no secret values.
    for text in all_strings(compose):
        for match in INTERPOLATION.finditer(text.replace("$$", "")):
            if match["op"] in (":?", "?") and match["name"] not in env_example:
                problems.append(f"required ${{{match['name']}}} is missing from .env.example")
    for key, value in env_example.items():
        if SECRET_NAME.search(key) and value:
            problems.append(f".env.example ships a value for {key}")
    return problems


def kibana_problems(compose: Compose) -> list[str]:
    problems = []
    services = compose["services"]
    kibana = services.get("kibana", {})
    env = environment(kibana)
    if env.get("ELASTICSEARCH_USERNAME") != "kibana_system":
        problems.append("Kibana must log in as kibana_system")
    if not PURE_INTERPOLATION.match(env.get("ELASTICSEARCH_PASSWORD", "")):
        problems.append("Kibana's password must come from .env")
    if "healthcheck" not in kibana:
        problems.append("kibana has no healthcheck (kibana-setup waits on it)")
    setup_cmd = json.dumps(services.get("setup", {}).get("command"))
    if "_security/user/kibana_system/_password" not in setup_cmd:
        problems.append("no one-shot service sets the kibana_system password")
    importer = services.get("kibana-setup", {})
    cond = (importer.get("depends_on") or {}).get("kibana", {}).get("condition")
    if cond != "service_healthy":
        problems.append("kibana-setup must wait for Kibana to be healthy")
    call = json.dumps([importer.get("entrypoint"), importer.get("command")])
    mounted = dict((dst, src) for src, dst in volume_pairs(importer))
    # The script it runs must be the project's, reached through one of its own mounts.
    script = re.search(r'"(?P<path>/[^"]+\.py)"', call)
    host = None
    if script:
        for dst, src in mounted.items():
            if script["path"].startswith(dst + "/") and src.startswith("./"):
                host = ROOT / src / script["path"][len(dst) + 1 :]
    if host is None or host.resolve() != IMPORT_SCRIPT:
        problems.append(f"kibana-setup does not run the mounted {IMPORT_SCRIPT.name}: {call}")
    dir_arg = re.search(r'"--dir",\s*"(?P<d>[^"]+)"', call)
    if not dir_arg or not any(
        dir_arg["d"].startswith(dst) and src == "./config" for dst, src in mounted.items()
    ):
        problems.append("kibana-setup does not read the mounted ./config/kibana")
    return problems


# Elasticsearch's built-in superuser, and privileges that reach beyond the project's indices.
SUPERUSERS = {"elastic"}
SUPERUSER_ROLES = {"superuser"}
BROAD_CLUSTER_PRIVILEGES = {
    "all",
    "manage",
    "manage_security",
    "manage_api_key",
    "manage_own_api_key",
}
# Built-in roles the Kibana import may hold besides the project's own (Kibana's UI, no indices).
KIBANA_IMPORT_BUILTIN_ROLES = {"kibana_admin"}
# What the pipeline does to its indices (etl/index.py, runs.py, lease.py, load.py): create and
# delete generations, mappings and the alias swap, bulk writes, searches, metadata reads.
PIPELINE_INDEX_PRIVILEGES = {
    "create_index",
    "delete_index",
    "manage",
    "read",
    "write",
    "view_index_metadata",
}
PIPELINE_CLUSTER_PRIVILEGES = {"monitor"}  # GET / for the server version in the run record
# `es_put _security/role/NAME "$${VAR}"` in the setup service's command.
SECURITY_PUT = re.compile(
    r'es_put\s+_security/(?P<kind>role|user)/(?P<name>[\w.-]+)\s+"\$\$\{(?P<var>\w+)\}"'
)


@dataclass(frozen=True)
class EsUser:
    roles: tuple[str, ...]
    password_var: str | None  # the .env variable its password comes from


def security_setup(compose: Compose) -> tuple[dict[str, dict[str, Any]], dict[str, EsUser]]:
    """(roles, users) the setup service creates: role bodies as Elasticsearch receives them."""
    setup = compose["services"].get("setup", {})
    env = environment(setup)
    roles: dict[str, dict[str, Any]] = {}
    users: dict[str, EsUser] = {}
    command = setup.get("command") or ""
    text = command if isinstance(command, str) else " ".join(command)
    for call in SECURITY_PUT.finditer(text):
        raw = env.get(call["var"], "")
        try:
            body = json.loads(INTERPOLATION.sub("PLACEHOLDER", raw))
        except json.JSONDecodeError:
            continue  # reported by security_problems as a missing body
        if call["kind"] == "role":
            roles[call["name"]] = body
        else:
            password = re.search(r'"password":\s*"\$\{(?P<var>\w+)', raw)
            users[call["name"]] = EsUser(
                tuple(body.get("roles") or ()), password["var"] if password else None
            )
    return roles, users


def configured_alias() -> str:
    settings = yaml.safe_load((ROOT / "config" / "settings.yml").read_text(encoding="utf-8"))
    return str(settings["elasticsearch"]["alias"])


def _password_var(value: str) -> str | None:
    match = PURE_INTERPOLATION.match(value)
    return match["name"] if match else None


def _user_problems(
    who: str,
    login: str,
    password_var: str | None,
    users: dict[str, EsUser],
    roles: dict[str, dict[str, Any]],
    allowed_builtin: set[str],
) -> list[str]:
    if login in SUPERUSERS:
        return [f"{who} logs in as the superuser {login!r}"]
    user = users.get(login)
    if user is None:
        return [f"{who} logs in as {login!r}, which the setup service does not create"]
    problems = []
    if password_var is None or password_var != user.password_var:
        problems.append(f"{who}: password ${password_var} is not {login}'s ${user.password_var}")
    for role in user.roles:
        if role in SUPERUSER_ROLES:
            problems.append(f"{who}: user {login} has the {role} role")
        elif role not in roles and role not in allowed_builtin:
            problems.append(f"{who}: user {login} has role {role!r}, not one setup defines")
    return problems


def security_problems(compose: Compose) -> list[str]:
    """Only setup uses the elastic superuser: Airflow and the Kibana import get limited users."""
    problems = []
    roles, users = security_setup(compose)
    for name in ("news_etl_writer",):
        if name not in roles:
            problems.append(f"setup does not create the role {name}")
    for name, svc in airflow_services(compose).items():
        value = environment(svc).get("AIRFLOW_CONN_ELASTICSEARCH_DEFAULT", "")
        try:
            conn = json.loads(INTERPOLATION.sub("PLACEHOLDER", value))
        except json.JSONDecodeError:
            continue  # connection_problems reports it
        password = re.search(r'"password":\s*"(?P<p>[^"]*)"', value)
        problems += _user_problems(
            f"{name}'s Elasticsearch connection",
            str(conn.get("login", "")),
            _password_var(password["p"]) if password else None,
            users,
            roles,
            set(),
        )
    importer = environment(compose["services"].get("kibana-setup", {}))
    problems += _user_problems(
        "kibana-setup",
        importer.get("KIBANA_USERNAME", "elastic"),  # the import script's default
        _password_var(importer.get("KIBANA_PASSWORD", "")),
        users,
        roles,
        KIBANA_IMPORT_BUILTIN_ROLES,
    )
    alias = configured_alias()
    for role_name, role in roles.items():
        broad = set(role.get("cluster") or []) & BROAD_CLUSTER_PRIVILEGES
        if broad:
            problems.append(f"role {role_name}: cluster privileges {sorted(broad)}")
        for entry in role.get("indices") or []:
            if entry.get("allow_restricted_indices"):
                problems.append(f"role {role_name}: allow_restricted_indices")
            if "all" in (entry.get("privileges") or []):
                problems.append(f"role {role_name}: index privilege 'all'")
            for pattern in entry.get("names") or []:
                # The alias itself or names under its own prefix ALIAS-...: `news*` would also
                # match `newsletter`, `*` everything.
                if pattern != alias and not pattern.startswith(alias + "-"):
                    problems.append(
                        f"role {role_name}: index pattern {pattern!r} is broader than "
                        f"{alias!r} and {alias}-*"
                    )
        if not role.get("indices"):
            problems.append(f"role {role_name}: no index privileges at all (a mistake?)")
    return problems


def pipeline_role_problems(compose: Compose) -> list[str]:
    """The pipeline's user may do everything the pipeline does to every index it writes."""
    from etl.index import generation_pattern
    from etl.runs import runs_index

    roles, users = security_setup(compose)
    value = environment(compose["services"]["airflow-worker"]).get(
        "AIRFLOW_CONN_ELASTICSEARCH_DEFAULT", ""
    )
    login = str(json.loads(INTERPOLATION.sub("PLACEHOLDER", value)).get("login", ""))
    user = users.get(login)
    if user is None:
        return [f"the pipeline's user {login!r} is not created by setup"]
    granted = [roles[r] for r in user.roles if r in roles]
    problems = []
    cluster = {p for role in granted for p in role.get("cluster") or []}
    if not cluster >= PIPELINE_CLUSTER_PRIVILEGES:
        problems.append(f"{login}: cluster privileges {sorted(cluster)} lack monitor")
    alias = configured_alias()
    # One name of each kind the pipeline touches: the alias, a generation (two in one second
    # get a -N suffix) and the run records / lease index.
    generation = f"{alias}-20260101000000"  # as etl.index.new_generation names them
    if not fnmatch.fnmatchcase(generation, generation_pattern(alias)):
        problems.append(f"{generation} is not a generation name: update this test")
    for index in (alias, generation, generation + "-2", runs_index(alias)):
        privileges = {
            p
            for role in granted
            for entry in role.get("indices") or []
            if any(fnmatch.fnmatchcase(index, n) for n in entry.get("names") or [])
            for p in entry.get("privileges") or []
        }
        missing = PIPELINE_INDEX_PRIVILEGES - privileges
        if missing:
            problems.append(f"{login} lacks {sorted(missing)} on {index}")
    return problems


# ------------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def compose() -> Compose:
    return load_compose()


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return load_env_example()


def test_vendored_schema_is_the_documented_one() -> None:
    digest = hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest()
    assert digest in SCHEMA_README.read_text(encoding="utf-8"), "schema changed without its README"
    jsonschema.Draft7Validator.check_schema(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


RULES: list[tuple[str, Callable[[Compose, dict[str, str]], list[str]]]] = [
    ("compose-spec schema", lambda c, e: schema_problems(c)),
    ("interpolation", lambda c, e: interpolation_problems(c)),
    ("references", lambda c, e: reference_problems(c)),
    ("one Elastic version", elastic_version_problems),
    ("one Airflow image", lambda c, e: airflow_image_problems(c)),
    ("project mounts", lambda c, e: mount_problems(c)),
    ("Elasticsearch connection", lambda c, e: connection_problems(c)),
    ("no secret literals", secret_problems),
    ("Kibana and its setup", lambda c, e: kibana_problems(c)),
    ("least privilege", lambda c, e: security_problems(c)),
    ("pipeline role covers its indices", lambda c, e: pipeline_role_problems(c)),
]


@pytest.mark.parametrize(("rule", "check"), RULES, ids=[r for r, _ in RULES])
def test_compose_file_follows_rule(
    rule: str,
    check: Callable[[Compose, dict[str, str]], list[str]],
    compose: Compose,
    env_example: dict[str, str],
) -> None:
    assert check(compose, env_example) == []


def _set(path: str, value: Any) -> Callable[[Compose], None]:
    """A mutation that sets compose[a][b]... = value (path with '/')."""

    def mutate(doc: Compose) -> None:
        *parents, leaf = path.split("/")
        node = doc
        for key in parents:
            node = node[key]
        node[leaf] = value

    return mutate


def _drop_volume(service: str, target: str) -> Callable[[Compose], None]:
    def mutate(doc: Compose) -> None:
        svc = doc["services"][service]
        svc["volumes"] = [v for v in svc["volumes"] if f":{target}" not in str(v)]

    return mutate


def _edit_env_json(
    service: str, key: str, edit: Callable[[Any], None]
) -> Callable[[Compose], None]:
    """A mutation of a JSON value in a service's environment (a connection, a role, a user)."""

    def mutate(doc: Compose) -> None:
        env = doc["services"][service]["environment"]
        # Interpolations are kept as they are: json round-trips ${...} untouched.
        value = json.loads(env[key])
        edit(value)
        env[key] = json.dumps(value)

    return mutate


def _role_index_entry(role_var: str) -> Callable[[Callable[[dict[str, Any]], None]], Any]:
    return lambda edit: _edit_env_json("setup", role_var, lambda r: edit(r["indices"][0]))


_writer = _role_index_entry("NEWS_ETL_WRITER_ROLE")


ELASTIC_KIBANA = "docker.elastic.co/kibana/kibana"
# (what breaks, how, the rule that must notice)
BREAKAGES: list[tuple[str, Callable[[Compose], None], str]] = [
    ("unknown service key", _set("services/es01/imagee", "x"), "compose-spec schema"),
    ("ports not a list", _set("services/kibana/ports", "5601"), "compose-spec schema"),
    (
        "shell $(...) not escaped",
        _set("services/airflow-init/entrypoint", "/bin/bash -c 'echo $(id -u)'"),
        "interpolation",
    ),
    (
        "bad depends_on condition",
        _set("services/kibana-setup/depends_on/kibana/condition", "up"),
        "compose-spec schema",
    ),
    (
        "depends on a missing service",
        _set("services/kibana/depends_on/es02", {"condition": "service_healthy"}),
        "references",
    ),
    (
        "Kibana on another version",
        _set("services/kibana/image", f"{ELASTIC_KIBANA}:${{ELASTIC_VERSION:-9.5.2}}"),
        "one Elastic version",
    ),
    (
        "Kibana with a fixed tag",
        _set("services/kibana/image", f"{ELASTIC_KIBANA}:9.5.3"),
        "one Elastic version",
    ),
    (
        "a worker on another image",
        _set("services/airflow-worker/image", "apache/airflow:3.3.2"),
        "one Airflow image",
    ),
    (
        "LocalExecutor in the scheduler",
        _set("services/airflow-scheduler/environment/AIRFLOW__CORE__EXECUTOR", "LocalExecutor"),
        "one Airflow image",
    ),
    ("etl/ not mounted", _drop_volume("airflow-worker", "/opt/airflow/etl"), "project mounts"),
    ("raw data not mounted", _drop_volume("airflow-worker", "/opt/airflow/data"), "project mounts"),
    (
        "connection missing",
        _set("services/airflow-worker/environment/AIRFLOW_CONN_ELASTICSEARCH_DEFAULT", ""),
        "Elasticsearch connection",
    ),
    (
        "connection to a missing host",
        _set(
            "services/airflow-worker/environment/AIRFLOW_CONN_ELASTICSEARCH_DEFAULT",
            '{"conn_type": "elasticsearch", "host": "elastic", "port": 9200, "schema": "https", '
            '"password": "${ELASTIC_PASSWORD}", '
            '"extra": {"ca_certs": "/opt/airflow/certs/ca/ca.crt"}}',
        ),
        "Elasticsearch connection",
    ),
    (
        "literal Kibana password",
        _set("services/kibana/environment/ELASTICSEARCH_PASSWORD", "changeme"),
        "no secret literals",
    ),
    (
        "password with a default",
        _set("services/postgres/environment/POSTGRES_PASSWORD", "${POSTGRES_PASSWORD:-airflow}"),
        "no secret literals",
    ),
    (
        "password inside a URL",
        _set(
            "services/airflow-worker/environment/AIRFLOW__CELERY__BROKER_URL",
            "redis://:hunter2@redis:6379/0",
        ),
        "no secret literals",
    ),
    (
        "Kibana as elastic",
        _set("services/kibana/environment/ELASTICSEARCH_USERNAME", "elastic"),
        "Kibana and its setup",
    ),
    (
        "import runs a script that is not mounted",
        _set("services/kibana-setup/entrypoint", ["python", "/opt/airflow/scripts/x.py"]),
        "Kibana and its setup",
    ),
    (
        "Airflow's connection as elastic again",
        _edit_env_json(
            "airflow-worker",
            "AIRFLOW_CONN_ELASTICSEARCH_DEFAULT",
            lambda c: c.update(login="elastic", password="${ELASTIC_PASSWORD}"),
        ),
        "least privilege",
    ),
    (
        "Airflow's connection with another user's password",
        _edit_env_json(
            "airflow-scheduler",
            "AIRFLOW_CONN_ELASTICSEARCH_DEFAULT",
            lambda c: c.update(password="${KIBANA_IMPORT_PASSWORD}"),
        ),
        "least privilege",
    ),
    (
        "Kibana import as elastic again",
        lambda doc: doc["services"]["kibana-setup"]["environment"].update(
            KIBANA_USERNAME="elastic", KIBANA_PASSWORD="${ELASTIC_PASSWORD}"
        ),
        "least privilege",
    ),
    (
        "Kibana import with no user (the script's default is elastic)",
        lambda doc: doc["services"]["kibana-setup"]["environment"].pop("KIBANA_USERNAME"),
        "least privilege",
    ),
    (
        "pipeline user made a superuser",
        _edit_env_json("setup", "NEWS_ETL_USER", lambda u: u["roles"].append("superuser")),
        "least privilege",
    ),
    (
        "role on every index",
        _writer(lambda e: e["names"].append("*")),
        "least privilege",
    ),
    (
        "role on a prefix broader than the alias",
        _writer(lambda e: e.update(names=["news*"])),
        "least privilege",
    ),
    (
        "role on restricted indices",
        _writer(lambda e: e.update(allow_restricted_indices=True)),
        "least privilege",
    ),
    (
        "role manages security",
        _edit_env_json(
            "setup", "NEWS_ETL_WRITER_ROLE", lambda r: r["cluster"].append("manage_security")
        ),
        "least privilege",
    ),
    (
        "role misses the generations and -runs",
        _writer(lambda e: e.update(names=["news"])),
        "pipeline role covers its indices",
    ),
    (
        "role cannot delete old generations",
        _writer(lambda e: e["privileges"].remove("delete_index")),
        "pipeline role covers its indices",
    ),
    (
        "role without monitor",
        _edit_env_json("setup", "NEWS_ETL_WRITER_ROLE", lambda r: r.update(cluster=[])),
        "pipeline role covers its indices",
    ),
    (
        "import before Kibana is up",
        _set("services/kibana-setup/depends_on/kibana/condition", "service_started"),
        "Kibana and its setup",
    ),
]


@pytest.mark.parametrize(("what", "mutate", "rule"), BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_rules_catch_breakage(
    what: str,
    mutate: Callable[[Compose], None],
    rule: str,
    compose: Compose,
    env_example: dict[str, str],
) -> None:
    broken = copy.deepcopy(compose)
    mutate(broken)
    check = dict(RULES)[rule]
    assert check(broken, env_example), f"rule {rule!r} did not notice: {what}"


def test_env_example_version_change_is_noticed(
    compose: Compose, env_example: dict[str, str]
) -> None:
    assert elastic_version_problems(compose, {**env_example, "ELASTIC_VERSION": "9.6.0"})
    assert secret_problems(compose, {**env_example, "ELASTIC_PASSWORD": "changeme"})


def test_dot_env_is_git_ignored_and_untracked() -> None:
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        # No git here: fall back to the ignore file itself.
        patterns = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
        assert ".env" in patterns or "/.env" in patterns
        return
    ignored = subprocess.run([git, "check-ignore", "-q", ".env"], cwd=ROOT, check=False)
    assert ignored.returncode == 0, ".env is not git-ignored"
    example = subprocess.run([git, "check-ignore", "-q", ".env.example"], cwd=ROOT, check=False)
    assert example.returncode == 1, ".env.example must stay committable"
    tracked = subprocess.run(
        [git, "ls-files", "--error-unmatch", ".env"], cwd=ROOT, capture_output=True, check=False
    )
    assert tracked.returncode != 0, ".env is tracked by git"
