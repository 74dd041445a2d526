"""The local Elasticsearch node: Elastic's distribution zip, started with its own launcher."""
