"""Code of the news search plugin (``plugins/news_search_plugin.py`` registers it).

Listed in ``plugins/.airflowignore``: Airflow imports every ``.py`` under the plugins folder as
a top-level module, and these are a package, imported by name from the plugins folder instead.
"""
