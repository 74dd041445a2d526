"""Run the news_etl DAG once with `airflow dags test`, show task progress, fail loudly.

`airflow dags test` prints hundreds of log lines and (in some versions) exits 0 when the run
failed; this wrapper keeps the full log in .airflow/logs/, prints one line per finished task,
and exits 1 unless the DAG run ended in success.

Usage: python scripts/dag_test.py '{"input_path": "data/sample", "index": "news"}'
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASK_START = re.compile(
    r"\[DAG TEST\] running task <TaskInstance: news_etl\.(\w+) \S+(?: map_index=(\d+))?"
)
TASK_STATE = re.compile(r"Task instance state updated.*?new_state=(\w+)")
RUN_DONE = re.compile(r"dag_id=news_etl.*?state=(\w+)|DagRun Finished:.*?state=(\w+)", re.I)


def main(argv: list[str]) -> int:
    conf = argv[1] if len(argv) > 1 and argv[1].strip() else "{}"
    try:
        json.loads(conf)
    except json.JSONDecodeError as e:
        print(f"error: CONF is not JSON: {e}", file=sys.stderr)
        return 2
    home = Path(os.environ.get("AIRFLOW_HOME", ROOT / ".airflow"))
    (home / "logs").mkdir(parents=True, exist_ok=True)
    log_path = home / "logs" / f"dag-test-{time.strftime('%Y%m%d-%H%M%S')}.log"
    airflow = Path(sys.executable).with_name("airflow")
    cmd = [str(airflow), "dags", "test", "news_etl", "-c", conf]
    shown = log_path.relative_to(ROOT) if log_path.is_relative_to(ROOT) else log_path
    print(f"running DAG news_etl with {conf} (full log: {shown})", flush=True)
    final = None
    current: str | None = None
    started = time.monotonic()
    # Task states and the run's end are INFO lines; the log file keeps everything anyway.
    env = {**os.environ, "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO"}
    with (
        log_path.open("w", encoding="utf-8") as log,
        subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as proc,
    ):
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            if m := TASK_START.search(line):
                current = m.group(1) + (f"[{m.group(2)}]" if m.group(2) else "")
            elif (m := TASK_STATE.search(line)) and current:
                print(f"  {current}: {m.group(1).lower()}", flush=True)
                current = None
            r = RUN_DONE.search(line)
            if r and "state=" in line and ("Finished" in line or "DagRun" in line):
                final = (r.group(1) or r.group(2) or "").lower()
        rc = proc.wait()
    took = time.monotonic() - started
    if rc != 0 or final != "success":
        print(
            f"error: DAG run ended {final or 'without a final state'} (exit {rc}) after "
            f"{took:.0f}s; see {log_path}",
            file=sys.stderr,
        )
        tail = log_path.read_text(encoding="utf-8").splitlines()[-25:]
        print("\n".join(tail), file=sys.stderr)
        return 1
    print(f"DAG run succeeded in {took:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
