# Airflow image for docker-compose.yml: the official image plus the project's pinned dependencies.
# The project's code (dags/, plugins/, etl/, config/) is mounted by Compose, not baked in, so
# editing a DAG or the pipeline needs no rebuild; only a change of requirements.lock does.
# Keep the Airflow version equal to the apache-airflow pin in pyproject.toml (a test checks it).
FROM apache/airflow:3.3.2-python3.11

# requirements.lock is the same hashed, fully pinned set `make install` uses (it pins
# apache-airflow==3.3.2 itself, so pip cannot up- or downgrade the Airflow of this image).
# It is resolved for linux x86_64; Docker on arm64 may need `make lock` for that platform.
COPY --chown=airflow:root requirements.lock /opt/airflow/requirements.lock
RUN pip install --no-cache-dir --require-hashes -r /opt/airflow/requirements.lock

# `import etl` resolves to the mounted /opt/airflow/etl, and etl.settings then finds
# /opt/airflow/config and /opt/airflow/data the same way it finds them in a checkout.
ENV PYTHONPATH=/opt/airflow
