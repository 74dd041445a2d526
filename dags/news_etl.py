"""
### News ETL: raw news files to a faceted Elasticsearch index

Reads the raw root (plain text, HTML, JSON/JSONL), cleans each document, adds metadata
(title, publication date and where it came from, language, publisher) and named entities
(people, organisations, places), and bulk-loads one document per article into the
Elasticsearch alias given by **index**, ready for faceted search in Kibana.

| task | does |
|---|---|
| `start` | prepares the target index: the one behind the alias, or a new generation (`full`) |
| `discover` | lists new or changed files (optionally only those modified since **since**) |
| `process` | one mapped task per batch: clean, metadata, entities; writes a staged batch |
| `load` | one mapped task per staged batch: streaming bulk load, rejected documents quarantined |
| `plan_rederive` | stages stored documents with stale entities (alias edit, new model) or merges |
| `rederive` / `load_rederived` | mapped: entities re-derived from what is stored, no file read |
| `finalize` | stories joined; full: count check, atomic alias swap; then the run record |
| `close_run` | teardown: a run that did not finish gets `status: failed` and loses its new index |

A batch holds at most **batch_size** documents (and `batches.max_chars` bytes of input): many
small files are grouped, a large JSON-lines export is split into spans, so workers share it.

**Manual runs**: *Trigger* opens a form for the folder, the alias, the mode (incremental or full
rebuild), *since*, a dry run (process and report, write nothing) and the batch size in
documents.
Scheduled runs use the defaults from `config/settings.yml`. Elasticsearch is reached through
the Airflow Connection `elasticsearch_default`. Only small references (paths, counts) travel
through XCom; documents go through the staging area (`NEWS_ETL_STAGING`, any ObjectStoragePath).
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, Param, TriggerRule, dag, task, teardown

from etl import dag_tasks as glue
from etl.naming import ALIAS_PATTERN
from etl.settings import get_settings

_settings = get_settings()
NEWS_INDEX = Asset(name="news_index", uri=f"elasticsearch://{_settings.elasticsearch.alias}")


@dag(
    dag_id="news_etl",
    dag_display_name="News ETL",
    description="Clean, enrich and load raw news files into Elasticsearch",
    doc_md=__doc__,
    schedule=_settings.airflow.schedule,
    start_date=pendulum.datetime(2026, 1, 1, tz=_settings.airflow.timezone),
    catchup=False,
    max_active_runs=1,
    tags=["news", "etl", "elasticsearch"],
    default_args={
        "retries": _settings.airflow.retries,
        "retry_delay": timedelta(seconds=_settings.airflow.retry_delay_seconds),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
        # A stuck task (a hung mount, a wedged cluster) fails instead of blocking every night.
        "execution_timeout": timedelta(minutes=_settings.airflow.task_timeout_minutes),
    },
    params={
        "input_path": Param(
            str(_settings.input.root),
            type="string",
            minLength=1,
            title="Input folder",
            description="Raw root to read (relative to the project, or absolute).",
        ),
        "index": Param(
            _settings.elasticsearch.alias,
            type="string",
            pattern=ALIAS_PATTERN,
            title="Index alias",
            description="Elasticsearch alias searchers use; run records go to <alias>-runs.",
        ),
        "mode": Param(
            "incremental",
            type="string",
            enum=["incremental", "full"],
            values_display={
                "incremental": "Incremental: add new and changed files",
                "full": "Full rebuild: new index, then atomic alias swap",
            },
            title="Mode",
            description="Incremental upserts new and changed documents; full rebuilds the index.",
        ),
        "since": Param(
            None,
            type=["null", "string"],
            format="date",
            title="Only files modified since",
            description="Optional date (YYYY-MM-DD): skip files last modified before it.",
        ),
        "dry_run": Param(
            False,
            type="boolean",
            title="Dry run",
            description="Process and report without writing anything to Elasticsearch.",
        ),
        "batch_size": Param(
            _settings.batches.max_docs,
            type="integer",
            minimum=1,
            maximum=100_000,
            title="Documents per batch",
            description="Documents per mapped process/load task (large files are split).",
        ),
    },
)
def news_etl() -> None:
    @task
    def start(params: dict | None = None, run_id: str | None = None) -> dict:
        """Prepare the target index and return the run context (small, XCom-safe)."""
        return glue.start(params or {}, run_id=run_id or "manual")

    @task
    def discover(ctx: dict, params: dict | None = None) -> list[str]:
        """Write batch manifests of new or changed files; return their staging URIs."""
        return glue.discover(ctx, batch_size=int((params or {})["batch_size"]))

    @task(map_index_template="{{ task.op_kwargs['batch_uri'] | string | truncate(60) }}")
    def process(ctx: dict, batch_uri: str) -> str:
        """Clean, add metadata and entities for one batch; return the staged batch's URI."""
        return glue.process(ctx, batch_uri)

    @task
    def load(ctx: dict, staged_uri: str) -> dict:
        """Bulk-load one staged batch; return its counts."""
        return glue.load(ctx, staged_uri)

    # An incremental night with nothing new maps process/load over no batches, which skips
    # them; the run still goes on.
    @task(trigger_rule=TriggerRule.NONE_FAILED)
    def plan_rederive(ctx: dict, loaded: list[dict], params: dict | None = None) -> list[str]:
        """After the file batches: stage the stored documents whose entities are stale."""
        return glue.plan_rederive(ctx, batch_size=int((params or {})["batch_size"]))

    @task(outlets=[NEWS_INDEX], trigger_rule=TriggerRule.NONE_FAILED)
    def finalize(ctx: dict, results: list[dict], rederived: list[dict]) -> dict:
        """Swap the alias (full), write the run record, log quarantine and warnings."""
        return glue.finalize(ctx, [*results, *rederived])

    # No retries: it only records what happened, and a retry would show as up_for_retry.
    @teardown
    @task(retries=0)
    def close_run(ctx: dict | None) -> None:
        """Record a run that did not reach its end as failed; drop its unpublished index."""
        glue.close_run(ctx)

    ctx = start()
    staged = process.partial(ctx=ctx).expand(batch_uri=discover(ctx))
    loaded = load.partial(ctx=ctx).expand(staged_uri=staged)
    # The same tasks again over stored documents (task ids of their own in the grid).
    rederive = process.override(task_id="rederive", trigger_rule=TriggerRule.NONE_FAILED)
    load_rederived = load.override(task_id="load_rederived")
    restaged = rederive.partial(ctx=ctx).expand(batch_uri=plan_rederive(ctx, loaded))
    done = finalize(ctx, loaded, load_rederived.partial(ctx=ctx).expand(staged_uri=restaged))
    # A teardown without a setup runs once everything upstream is done, whatever their state,
    # and is ignored for the run's state: a failed run stays failed.
    done >> close_run(ctx)


news_etl()
