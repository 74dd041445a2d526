"""News ETL: read raw news files, clean them, add metadata and entities, load into Elasticsearch.

Every stage is a pure function over the typed records in :mod:`etl.records`; the command line
(``python -m etl``) and the Airflow DAG (``dags/news_etl.py``) are thin callers of the same code.
"""

from __future__ import annotations

__version__ = "0.1.0"
