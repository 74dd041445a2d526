"""Browser tests: real Airflow and Elasticsearch, headless Debian Chromium (a package so its
fixtures can be package-scoped: Airflow stops when the last browser test is done)."""
