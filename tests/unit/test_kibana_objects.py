"""Kibana saved objects in config/kibana/, checked without Kibana (it cannot run here).

What Kibana would refuse or silently break on, checked from the files:
- every NDJSON line is a saved object whose embedded JSON strings parse;
- every id and every reference (by id and by name) resolves within the set;
- every field an object uses exists in the Elasticsearch mapping behind its data view
  (config/index_template.json for the alias, config/runs_template.json for ALIAS-runs) with a
  type that supports the use: aggregatable keyword for controls, date for time fields and date
  histograms, numbers for sums and averages;
- the dashboards hold what the product promises (facets, time control, panels; the Countries
  facet and the places map on geo.points);
- maps: known attributes and layer types, each documents layer's data view referenced, its
  geo field a geo_point (or geo_shape) and its tooltip fields in the mapping;
- the kibana-setup service's import request is well-formed: the real script is run against a
  small HTTP server on 127.0.0.1 that records what arrives.

Each check returns its problems, so it runs on the real files (expecting none) and on
deliberately broken copies (expecting some), which proves the check can fail.
"""

from __future__ import annotations

import base64
import copy
import email.parser
import email.policy
import importlib.util
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from mapping_support import mapping_fields

ROOT = Path(__file__).resolve().parents[2]
KIBANA_DIR = ROOT / "config" / "kibana"
IMPORT_SCRIPT = ROOT / "kibana" / "import_objects.py"
SETTINGS = ROOT / "config" / "settings.yml"
INDEX_TEMPLATE = ROOT / "config" / "index_template.json"
RUNS_TEMPLATE = ROOT / "config" / "runs_template.json"
COMPOSE_FILE = ROOT / "docker-compose.yml"

# The data view the saved search and the dashboards use, and the one by publication date.
DEFAULT_VIEW = "News"
BY_PUBLICATION_VIEW = "News by publication date"
RECORDS = "___records___"  # Lens' pseudo-field for "count of documents"
NUMERIC = {"long", "integer", "short", "byte", "double", "float", "half_float", "scaled_float"}
AGGREGATABLE = NUMERIC | {"keyword", "constant_keyword", "date", "date_nanos", "boolean", "ip"}
# Field types each Lens operation accepts (Kibana's form-based datasource).
LENS_OPERATION_TYPES: dict[str, set[str]] = {
    "terms": AGGREGATABLE,
    "date_histogram": {"date", "date_nanos"},
    "sum": NUMERIC,
    "average": NUMERIC,
    "median": NUMERIC,
    "standard_deviation": NUMERIC,
    "min": NUMERIC | {"date", "date_nanos"},
    "max": NUMERIC | {"date", "date_nanos"},
    "unique_count": AGGREGATABLE,
    "last_value": AGGREGATABLE,
    "count": AGGREGATABLE,
}
# Kibana's dataType for a mapping type (what a Lens column over that field must declare).
KIBANA_TYPE = {
    **{t: "number" for t in NUMERIC},
    "keyword": "string",
    "constant_keyword": "string",
    "date": "date",
    "date_nanos": "date",
    "boolean": "boolean",
    "ip": "ip",
}
NUMERIC_RESULT_OPS = {"sum", "average", "median", "standard_deviation", "count", "unique_count"}
# Options lists facet on exact values; ranges and dates have their own controls.
OPTIONS_LIST_TYPES = {"keyword", "constant_keyword", "ip", "boolean"}
# Attributes Kibana's dashboard saved-object schema accepts (it forbids unknown keys).
DASHBOARD_ATTRIBUTES = {
    "title",
    "description",
    "kibanaSavedObjectMeta",
    "timeRestore",
    "timeFrom",
    "timeTo",
    "refreshInterval",
    "controlGroupInput",
    "panelsJSON",
    "optionsJSON",
    "hits",
    "version",
    "sections",
    "projectRouting",
}
CONTROL_GROUP_ATTRIBUTES = {
    "panelsJSON",
    "controlStyle",
    "chainingSystem",
    "ignoreParentSettingsJSON",
    "showApplySelections",
}
KNOWN_TYPES = {"index-pattern", "search", "dashboard", "lens", "visualization", "tag", "map"}
# Attributes of Kibana's "map" saved object (its mappings; the maps plugin stores no others).
MAP_ATTRIBUTES = {"title", "description", "layerListJSON", "mapStateJSON", "uiStateJSON"}
# Layer types since 8.1 (renamed then: VECTOR -> GEOJSON_VECTOR, TILED_VECTOR -> MVT_VECTOR);
# a documents source with scalingType MVT is drawn by an MVT_VECTOR layer, others by GeoJSON.
MAP_LAYER_TYPES = {
    "EMS_VECTOR_TILE",
    "RASTER_TILE",
    "GEOJSON_VECTOR",
    "MVT_VECTOR",
    "HEATMAP",
    "LAYER_GROUP",
}
GEO_TYPES = {"geo_point", "geo_shape"}

SavedObject = dict[str, Any]


@dataclass(frozen=True)
class Field:
    type: str
    aggregatable: bool


Mapping = dict[str, Field]


# ------------------------------------------------------------------------------- loading


def load_objects(directory: Path = KIBANA_DIR) -> list[SavedObject]:
    objects = []
    for path in sorted(directory.glob("*.ndjson")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                obj = json.loads(line)
                obj["_source_line"] = f"{path.name}:{number}"
                objects.append(obj)
    return objects


def flatten_mapping(properties: dict[str, Any]) -> Mapping:
    """Dotted field paths of a mapping, sub-fields (title.keyword) included."""
    fields: Mapping = {}
    for path, spec in mapping_fields(properties, subfields=True):
        if "properties" not in spec:
            ftype = spec.get("type", "object")
            aggregatable = ftype in AGGREGATABLE and spec.get("doc_values", True) is not False
            fields[path] = Field(ftype, aggregatable)
        elif spec.get("type") == "nested":
            # Lens and controls cannot facet nested fields directly: record them as such.
            fields[path] = Field("nested", False)
    return fields


def load_template_mapping(path: Path) -> Mapping:
    body = json.loads(path.read_text(encoding="utf-8"))
    return flatten_mapping(body["template"]["mappings"]["properties"])


def mappings_by_title() -> dict[str, Mapping]:
    """Data view title -> the mapping of the indices it covers, from the configured alias."""
    alias = yaml.safe_load(SETTINGS.read_text(encoding="utf-8"))["elasticsearch"]["alias"]
    return {
        alias: load_template_mapping(INDEX_TEMPLATE),
        f"{alias}-runs": load_template_mapping(RUNS_TEMPLATE),
    }


def parse_json_string(obj: SavedObject, value: Any, what: str, problems: list[str]) -> Any:
    if not isinstance(value, str):
        problems.append(f"{label(obj)}: {what} must be a JSON string")
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        problems.append(f"{label(obj)}: {what} is not JSON: {exc}")
        return None


def label(obj: SavedObject) -> str:
    title = (obj.get("attributes") or {}).get("title", "")
    return f"{obj.get('type')}/{obj.get('id')} ({title}) [{obj.get('_source_line', '?')}]"


def by_type(objects: list[SavedObject], kind: str) -> list[SavedObject]:
    return [o for o in objects if o.get("type") == kind]


def panels(dashboard: SavedObject) -> list[dict[str, Any]]:
    return json.loads(dashboard["attributes"].get("panelsJSON") or "[]")


def controls(dashboard: SavedObject) -> dict[str, dict[str, Any]]:
    group = dashboard["attributes"].get("controlGroupInput") or {}
    return json.loads(group.get("panelsJSON") or "{}")


def lens_attributes(dashboard: SavedObject) -> Iterator[tuple[str, dict[str, Any]]]:
    """(panelIndex, Lens attributes) of each by-value Lens panel."""
    for panel in panels(dashboard):
        attrs = (panel.get("embeddableConfig") or {}).get("attributes")
        if panel.get("type") == "lens" and attrs:
            yield panel["panelIndex"], attrs


def map_layers(obj: SavedObject) -> list[dict[str, Any]]:
    """The layer descriptors of a map saved object (empty when layerListJSON is broken)."""
    try:
        layers = json.loads((obj.get("attributes") or {}).get("layerListJSON") or "[]")
    except json.JSONDecodeError:
        return []
    return layers if isinstance(layers, list) else []


def es_sources(obj: SavedObject) -> Iterator[tuple[str, dict[str, Any]]]:
    """(layer id, source descriptor) of each map layer that reads an Elasticsearch index."""
    for layer in map_layers(obj):
        source = layer.get("sourceDescriptor") or {}
        if "indexPatternRefName" in source:
            yield str(layer.get("id")), source


def lens_columns(attrs: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(layerId, columnId, column) of a Lens state's form-based layers."""
    layers = attrs["state"]["datasourceStates"].get("formBased", {}).get("layers", {})
    for layer_id, layer in layers.items():
        for column_id, column in layer.get("columns", {}).items():
            yield layer_id, column_id, column


# ------------------------------------------------------------------------------- checks


def structure_problems(objects: list[SavedObject]) -> list[str]:
    problems = []
    seen: set[tuple[str, str]] = set()
    for obj in objects:
        for key in ("id", "type", "attributes", "references"):
            if key not in obj:
                problems.append(f"{label(obj)}: missing {key}")
        if obj.get("type") not in KNOWN_TYPES:
            problems.append(f"{label(obj)}: unknown saved-object type")
        key = (obj.get("type"), obj.get("id"))
        if key in seen:
            problems.append(f"{label(obj)}: duplicate id")
        seen.add(key)
        # Without these Kibana runs every migration since 7.0 on the object.
        for key in ("coreMigrationVersion", "typeMigrationVersion"):
            if not obj.get(key):
                problems.append(f"{label(obj)}: no {key}")
        attrs = obj.get("attributes") or {}
        if not attrs.get("title"):
            problems.append(f"{label(obj)}: no title")
        meta = (attrs.get("kibanaSavedObjectMeta") or {}).get("searchSourceJSON")
        if meta is not None:
            parse_json_string(obj, meta, "searchSourceJSON", problems)
        if obj.get("type") == "index-pattern":
            for key in ("fieldAttrs", "fieldFormatMap", "runtimeFieldMap", "fields", "typeMeta"):
                if key in attrs:
                    parse_json_string(obj, attrs[key], key, problems)
        if obj.get("type") == "map":
            problems.extend(map_structure_problems(obj, attrs))
        if obj.get("type") == "dashboard":
            unknown = set(attrs) - DASHBOARD_ATTRIBUTES
            if unknown:
                problems.append(f"{label(obj)}: attributes Kibana rejects: {sorted(unknown)}")
            group = attrs.get("controlGroupInput") or {}
            unknown = set(group) - CONTROL_GROUP_ATTRIBUTES
            if unknown:
                problems.append(f"{label(obj)}: unknown controlGroupInput keys {sorted(unknown)}")
            parsed_panels = parse_json_string(obj, attrs.get("panelsJSON"), "panelsJSON", problems)
            parse_json_string(obj, attrs.get("optionsJSON"), "optionsJSON", problems)
            for key in ("panelsJSON", "ignoreParentSettingsJSON"):
                if key in group:
                    parse_json_string(obj, group[key], f"controlGroupInput.{key}", problems)
            for panel in parsed_panels if isinstance(parsed_panels, list) else []:
                grid = panel.get("gridData") or {}
                if grid.get("i") != panel.get("panelIndex") or not {"x", "y", "w", "h"} <= set(
                    grid
                ):
                    problems.append(f"{label(obj)}: panel {panel.get('panelIndex')} bad gridData")
                if grid.get("x", 0) + grid.get("w", 0) > 48:
                    problems.append(f"{label(obj)}: panel {panel.get('panelIndex')} wider than 48")
    return problems


def map_structure_problems(obj: SavedObject, attrs: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    unknown = set(attrs) - MAP_ATTRIBUTES
    if unknown:
        problems.append(f"{label(obj)}: map attributes Kibana does not map: {sorted(unknown)}")
    for key in ("layerListJSON", "mapStateJSON", "uiStateJSON"):
        parse_json_string(obj, attrs.get(key), key, problems)
    layers = map_layers(obj)
    if not layers:
        problems.append(f"{label(obj)}: map without layers")
    ids = [layer.get("id") for layer in layers]
    if len(set(ids)) != len(ids):
        problems.append(f"{label(obj)}: map layer ids repeat")
    for layer in layers:
        kind, source = layer.get("type"), layer.get("sourceDescriptor") or {}
        if kind not in MAP_LAYER_TYPES:
            problems.append(f"{label(obj)}: layer {layer.get('id')} has unknown type {kind!r}")
        if source.get("type") == "ES_SEARCH":
            want = "MVT_VECTOR" if source.get("scalingType") == "MVT" else "GEOJSON_VECTOR"
            if kind != want:
                problems.append(
                    f"{label(obj)}: layer {layer.get('id')} ({source.get('scalingType')}) "
                    f"must be {want}, not {kind}"
                )
    return problems


def reference_problems(objects: list[SavedObject]) -> list[str]:
    """Every reference points at an object in the set, and every name an object uses exists."""
    problems = []
    known = {(o.get("type"), o.get("id")) for o in objects}
    for obj in objects:
        refs = obj.get("references") or []
        names = {r.get("name"): r for r in refs}
        used: set[str] = set()
        for ref in refs:
            if (ref.get("type"), ref.get("id")) not in known:
                problems.append(f"{label(obj)}: reference {ref} is not in config/kibana")
        attrs = obj.get("attributes") or {}
        source = json.loads(
            (attrs.get("kibanaSavedObjectMeta") or {}).get("searchSourceJSON") or "{}"
        )
        if "indexRefName" in source:
            used.add(source["indexRefName"])
            if names.get(source["indexRefName"], {}).get("type") != "index-pattern":
                problems.append(f"{label(obj)}: indexRefName has no index-pattern reference")
        if obj.get("type") == "search" and "indexRefName" not in source:
            problems.append(f"{label(obj)}: saved search without a data view")
        if obj.get("type") == "map":
            for layer_id, desc in es_sources(obj):
                name = desc["indexPatternRefName"]
                used.add(name)
                if names.get(name, {}).get("type") != "index-pattern":
                    problems.append(f"{label(obj)}: layer {layer_id} reference {name} missing")
            for name in sorted(set(names) - used):
                problems.append(f"{label(obj)}: reference {name} is used by nothing")
        if obj.get("type") != "dashboard":
            continue
        for panel in panels(obj):
            index = panel.get("panelIndex")
            if "panelRefName" in panel:
                name = f"{index}:{panel['panelRefName']}"
                used.add(name)
                if name not in names or names[name].get("type") != panel.get("type"):
                    problems.append(f"{label(obj)}: panel {index} reference {name} missing")
        for index, attrs_ in lens_attributes(obj):
            inline = {r["name"]: r for r in attrs_.get("references", [])}
            for layer_id in (
                attrs_["state"]["datasourceStates"].get("formBased", {}).get("layers", {})
            ):
                wanted = f"indexpattern-datasource-layer-{layer_id}"
                if wanted not in inline:
                    problems.append(f"{label(obj)}: Lens {index} layer {layer_id} has no data view")
            for name, ref in inline.items():
                outer = names.get(f"{index}:{name}")
                used.add(f"{index}:{name}")
                if not outer or (outer.get("type"), outer.get("id")) != (ref["type"], ref["id"]):
                    problems.append(f"{label(obj)}: Lens {index} reference {name} not on dashboard")
                if (ref.get("type"), ref.get("id")) not in known:
                    problems.append(f"{label(obj)}: Lens {index} points at unknown {ref}")
        for control_id, control in controls(obj).items():
            if control.get("type") in ("optionsListControl", "rangeSliderControl"):
                kind = "optionsList" if control["type"] == "optionsListControl" else "rangeSlider"
                name = f"controlGroup_{control_id}:{kind}DataView"
                used.add(name)
                if names.get(name, {}).get("type") != "index-pattern":
                    problems.append(f"{label(obj)}: control {control_id} has no data view ({name})")
            if control.get("explicitInput", {}).get("id") != control_id:
                problems.append(f"{label(obj)}: control {control_id} explicitInput.id differs")
        for name in sorted(set(names) - used):
            problems.append(f"{label(obj)}: reference {name} is used by nothing")
    return problems


def field_problems(objects: list[SavedObject], mappings: dict[str, Mapping]) -> list[str]:
    """Every field each object uses exists in the mapping behind its data view, with a type that
    supports the use."""
    problems = []
    data_views = {o["id"]: o for o in by_type(objects, "index-pattern")}
    mapping_of: dict[str, Mapping] = {}
    for dv_id, dv in data_views.items():
        title = dv["attributes"].get("title")
        if title not in mappings:
            problems.append(f"{label(dv)}: no known mapping for indices {title!r}")
            continue
        mapping = mapping_of[dv_id] = mappings[title]
        time_field = dv["attributes"].get("timeFieldName")
        if time_field and mapping.get(time_field, Field("missing", False)).type not in (
            "date",
            "date_nanos",
        ):
            problems.append(f"{label(dv)}: time field {time_field!r} is not a date field")
        for key in ("fieldAttrs", "fieldFormatMap"):
            for field in json.loads(dv["attributes"].get(key) or "{}"):
                if field not in mapping:
                    problems.append(f"{label(dv)}: {key} names unknown field {field!r}")

    def data_view_of(obj: SavedObject, ref_name: str) -> Mapping | None:
        ref = next((r for r in obj.get("references", []) if r.get("name") == ref_name), None)
        return mapping_of.get(ref["id"]) if ref else None

    for search in by_type(objects, "search"):
        mapping = data_view_of(search, "kibanaSavedObjectMeta.searchSourceJSON.index")
        if mapping is None:
            continue
        for column in search["attributes"].get("columns", []):
            if column not in mapping:
                problems.append(f"{label(search)}: column {column!r} is not in the mapping")
        for sort in search["attributes"].get("sort", []):
            field = mapping.get(sort[0])
            if field is None or not field.aggregatable:
                problems.append(f"{label(search)}: cannot sort on {sort[0]!r}")

    for obj in by_type(objects, "map"):
        for layer_id, desc in es_sources(obj):
            mapping = data_view_of(obj, desc["indexPatternRefName"])
            if mapping is None:
                continue
            where = f"{label(obj)}: layer {layer_id}"
            geo = mapping.get(desc.get("geoField") or "")
            if geo is None or geo.type not in GEO_TYPES:
                kind = geo.type if geo else "missing"
                problems.append(f"{where}: geoField {desc.get('geoField')!r} ({kind}) not geo")
            for field in desc.get("tooltipProperties") or []:
                if field not in mapping:
                    problems.append(f"{where}: tooltip field {field!r} is not in the mapping")
            sort = desc.get("sortField")
            if sort and not mapping.get(sort, Field("", False)).aggregatable:
                problems.append(f"{where}: cannot sort on {sort!r}")

    for dash in by_type(objects, "dashboard"):
        for control_id, control in controls(dash).items():
            explicit = control.get("explicitInput") or {}
            if control.get("type") == "timeSlider":
                continue
            mapping = data_view_of(dash, f"controlGroup_{control_id}:optionsListDataView")
            if control.get("type") == "rangeSliderControl":
                mapping = data_view_of(dash, f"controlGroup_{control_id}:rangeSliderDataView")
            if mapping is None:
                continue
            field = mapping.get(explicit.get("fieldName", ""))
            allowed = OPTIONS_LIST_TYPES if control["type"] == "optionsListControl" else NUMERIC
            if field is None:
                problems.append(f"{label(dash)}: control on unknown {explicit.get('fieldName')!r}")
            elif field.type not in allowed or not field.aggregatable:
                problems.append(
                    f"{label(dash)}: control on {explicit['fieldName']!r} ({field.type}) "
                    f"needs an aggregatable {sorted(allowed)} field"
                )
        for index, attrs in lens_attributes(dash):
            inline = {r["name"]: r["id"] for r in attrs.get("references", [])}
            for layer_id, column_id, column in lens_columns(attrs):
                mapping = mapping_of.get(
                    inline.get(f"indexpattern-datasource-layer-{layer_id}", "")
                )
                if mapping is None:
                    continue
                where = f"{label(dash)}: Lens {index} column {column_id}"
                problems.extend(lens_column_problems(where, column, mapping))
    return problems


def lens_column_problems(where: str, column: dict[str, Any], mapping: Mapping) -> list[str]:
    problems = []
    op = column.get("operationType")
    source = column.get("sourceField")
    if op not in LENS_OPERATION_TYPES:
        return [f"{where}: operation {op!r} is not checked here; add it to the table"]
    if op == "count" and source == RECORDS:
        return [] if column.get("dataType") == "number" else [f"{where}: count must be a number"]
    field = mapping.get(source or "")
    if field is None:
        return [f"{where}: {op} on unknown field {source!r}"]
    if field.type not in LENS_OPERATION_TYPES[op] or not field.aggregatable:
        problems.append(f"{where}: {op} cannot use {source!r} ({field.type})")
    expected = "number" if op in NUMERIC_RESULT_OPS else KIBANA_TYPE.get(field.type)
    if column.get("dataType") != expected:
        problems.append(f"{where}: dataType {column.get('dataType')!r}, field gives {expected!r}")
    sort_field = (column.get("params") or {}).get("sortField")
    if op == "last_value" and mapping.get(sort_field or "", Field("", False)).type != "date":
        problems.append(f"{where}: last_value must sort on a date field, not {sort_field!r}")
    return problems


def lens_state_problems(objects: list[SavedObject]) -> list[str]:
    """Lens' visualization state may only name columns its layers define."""
    problems = []
    for dash in by_type(objects, "dashboard"):
        for index, attrs in lens_attributes(dash):
            where = f"{label(dash)}: Lens {index}"
            state = attrs["state"]
            layers = state["datasourceStates"]["formBased"]["layers"]
            columns = {cid for layer in layers.values() for cid in layer["columns"]}
            for layer_id, layer in layers.items():
                if set(layer.get("columnOrder", [])) != set(layer["columns"]):
                    problems.append(f"{where}: layer {layer_id} columnOrder != columns")
                for cid, col in layer["columns"].items():
                    order_by = (col.get("params") or {}).get("orderBy") or {}
                    if order_by.get("type") == "column" and order_by.get("columnId") not in columns:
                        problems.append(f"{where}: column {cid} orders by a missing column")
            vis = state["visualization"]
            named: list[str] = []
            vis_layers = vis.get("layers") if "layers" in vis else [vis]
            for layer in vis_layers:
                if layer.get("layerId") not in layers:
                    problems.append(f"{where}: visualization layer {layer.get('layerId')} unknown")
                for key in ("xAccessor", "splitAccessor", "metricAccessor"):
                    if key in layer:
                        named.append(layer[key])
                for key in ("accessors", "primaryGroups", "metrics"):
                    named.extend(layer.get(key, []))
                named.extend(c["columnId"] for c in layer.get("columns", []))
            for cid in named:
                if cid not in columns:
                    problems.append(f"{where}: visualization uses missing column {cid!r}")
            if not named:
                problems.append(f"{where}: visualization shows no column")
    return problems


def find(objects: list[SavedObject], kind: str, title: str) -> SavedObject | None:
    return next((o for o in by_type(objects, kind) if o["attributes"].get("title") == title), None)


def uses(dash: SavedObject, op: str, field: str) -> bool:
    return any(
        c.get("operationType") == op and c.get("sourceField") == field
        for _, attrs in lens_attributes(dash)
        for _, _, c in lens_columns(attrs)
    )


def content_problems(objects: list[SavedObject], alias: str) -> list[str]:
    """What issue 7 promises users find in Kibana on first start."""
    problems = []
    views = {o["attributes"].get("name"): o for o in by_type(objects, "index-pattern")}
    # A time field hides every document without a value in it. Every document has
    # ingested_at; published_at is missing when no date was found (two of the five samples),
    # so the view everything opens on uses ingested_at, and a second one is by publication.
    for name, title, time_field in (
        (DEFAULT_VIEW, alias, "ingested_at"),
        (BY_PUBLICATION_VIEW, alias, "published_at"),
        ("News ETL runs", f"{alias}-runs", "started_at"),
    ):
        view = views.get(name)
        if view is None:
            problems.append(f"no data view named {name!r}")
        elif view["attributes"].get("title") != title:
            problems.append(f"data view {name!r} is not on {title!r}")
        elif view["attributes"].get("timeFieldName") != time_field:
            problems.append(f"data view {name!r} time field is not {time_field}")
        elif not json.loads(view["attributes"].get("fieldAttrs") or "{}"):
            problems.append(f"data view {name!r} has no readable field names (customLabel)")
    default_id = (views.get(DEFAULT_VIEW) or {}).get("id")
    for obj in by_type(objects, "search") + by_type(objects, "dashboard") + by_type(objects, "map"):
        for ref in obj.get("references") or []:
            if ref.get("type") != "index-pattern":
                continue
            view_name = next(
                (n for n, v in views.items() if v.get("id") == ref.get("id")), ref.get("id")
            )
            if view_name != "News ETL runs" and ref.get("id") != default_id:
                problems.append(f"{label(obj)}: {ref.get('name')} uses {view_name!r}, not News")
    search = find(objects, "search", "News")
    want = [
        "title",
        "source.name",
        "published_at",
        "entities.persons",
        "entities.organizations",
        "entities.locations",
    ]
    if search is None or search["attributes"].get("columns") != want:
        problems.append(f"saved search 'News' must show columns {want}")
    facets = find(objects, "dashboard", "News facets")
    if facets is None:
        problems.append("no dashboard 'News facets'")
    else:
        fields = {
            c.get("explicitInput", {}).get("fieldName")
            for c in controls(facets).values()
            if c.get("type") == "optionsListControl"
        }
        for field in (
            "entities.persons",
            "entities.organizations",
            "entities.locations",
            "source.name",
            "language",
        ):
            if field not in fields:
                problems.append(f"'News facets' has no options list on {field}")
        has_slider = any(c.get("type") == "timeSlider" for c in controls(facets).values())
        attrs = facets["attributes"]
        if not has_slider and not (attrs.get("timeRestore") and attrs.get("timeFrom")):
            problems.append("'News facets' has no time control")
        for op, field in (
            ("terms", "entities.persons"),
            ("terms", "entities.organizations"),
            ("terms", "entities.locations"),
            ("date_histogram", "published_at"),
            ("terms", "language"),
        ):
            if not uses(facets, op, field):
                problems.append(f"'News facets' has no panel with {op} on {field}")
    runs = find(objects, "dashboard", "Pipeline runs")
    if runs is None:
        problems.append("no dashboard 'Pipeline runs'")
    else:
        for op, field in (
            ("date_histogram", "started_at"),
            ("sum", "counts.new"),
            ("sum", "counts.quarantined"),
            ("terms", "quarantine.reason"),
        ):
            if not uses(runs, op, field):
                problems.append(f"'Pipeline runs' has no panel with {op} on {field}")
    return problems


STORY_FIELDS = ("story.id", "story.size", "story.canonical")


def stories_problems(objects: list[SavedObject]) -> list[str]:
    """Issue 12: the News views name the story fields, and 'News facets' has a 'Stories' panel
    listing the stories with the most documents (terms on story.id by the largest story.size)."""
    problems = []
    for view in by_type(objects, "index-pattern"):
        name = view["attributes"].get("name")
        if name not in (DEFAULT_VIEW, BY_PUBLICATION_VIEW):
            continue
        attrs = json.loads(view["attributes"].get("fieldAttrs") or "{}")
        for field in STORY_FIELDS:
            if not (attrs.get(field) or {}).get("customLabel"):
                problems.append(f"data view {name!r} has no label for {field}")
    facets = find(objects, "dashboard", "News facets")
    panel = dict(lens_attributes(facets)).get("top-stories") if facets else None
    if panel is None or panel.get("title") != "Stories":
        return [*problems, "'News facets' has no Lens panel 'Stories' (top-stories)"]
    columns = {cid: c for _, cid, c in lens_columns(panel)}
    terms = [c for c in columns.values() if c.get("operationType") == "terms"]
    if [c.get("sourceField") for c in terms] != ["story.id"]:
        return [*problems, "'Stories' must bucket by terms on story.id"]
    params = terms[0].get("params") or {}
    order = columns.get((params.get("orderBy") or {}).get("columnId", ""), {})
    if (order.get("operationType"), order.get("sourceField")) != ("max", "story.size"):
        problems.append("'Stories' must rank stories by the largest story.size")
    if params.get("orderDirection") != "desc":
        problems.append("'Stories' must show the largest stories first")
    return problems


GEO_POINTS, COUNTRIES = "geo.points", "geo.countries"


def geo_problems(objects: list[SavedObject]) -> list[str]:
    """Issue 14: 'News facets' facets by country (an options list and a terms panel on
    geo.countries) and shows a map whose documents layer draws geo.points."""
    facets = find(objects, "dashboard", "News facets")
    if facets is None:
        return ["no dashboard 'News facets'"]
    problems = []
    fields = {
        c.get("explicitInput", {}).get("fieldName")
        for c in controls(facets).values()
        if c.get("type") == "optionsListControl"
    }
    if COUNTRIES not in fields:
        problems.append(f"'News facets' has no options list on {COUNTRIES}")
    panel = dict(lens_attributes(facets)).get("top-countries")
    columns = [c for _, _, c in lens_columns(panel)] if panel else []
    if panel is None or panel.get("title") != "Countries":
        problems.append("'News facets' has no Lens panel 'Countries' (top-countries)")
    elif not any(
        c.get("operationType") == "terms" and c.get("sourceField") == COUNTRIES for c in columns
    ):
        problems.append(f"'Countries' must bucket by terms on {COUNTRIES}")
    refs = {r.get("name"): r for r in facets.get("references") or []}
    map_ids = [
        refs.get(f"{p.get('panelIndex')}:{p.get('panelRefName')}", {}).get("id")
        for p in panels(facets)
        if p.get("type") == "map"
    ]
    maps = [o for o in by_type(objects, "map") if o.get("id") in map_ids]
    if not maps:
        return [*problems, "'News facets' has no map panel"]
    drawn = [
        d
        for m in maps
        for _, d in es_sources(m)
        if d.get("type") == "ES_SEARCH" and d.get("geoField") == GEO_POINTS
    ]
    if not drawn:
        problems.append(f"the map in 'News facets' has no documents layer on {GEO_POINTS}")
    views = {o["id"]: o["attributes"].get("name") for o in by_type(objects, "index-pattern")}
    for view in (DEFAULT_VIEW, BY_PUBLICATION_VIEW):
        attrs = next(
            (
                json.loads(o["attributes"].get("fieldAttrs") or "{}")
                for o in by_type(objects, "index-pattern")
                if views[o["id"]] == view
            ),
            {},
        )
        for field in (COUNTRIES, GEO_POINTS):
            if not (attrs.get(field) or {}).get("customLabel"):
                problems.append(f"data view {view!r} has no label for {field}")
    return problems


# ------------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def objects() -> list[SavedObject]:
    found = load_objects()
    assert found, f"no saved objects in {KIBANA_DIR}"
    return found


@pytest.fixture(scope="module")
def mappings() -> dict[str, Mapping]:
    return mappings_by_title()


@pytest.fixture(scope="module")
def alias() -> str:
    return str(yaml.safe_load(SETTINGS.read_text(encoding="utf-8"))["elasticsearch"]["alias"])


def test_every_line_is_a_json_object() -> None:
    for path in sorted(KIBANA_DIR.glob("*.ndjson")):
        text = path.read_text(encoding="utf-8")
        assert text.endswith("\n"), f"{path.name}: last line must end with a newline"
        for number, line in enumerate(text.splitlines(), start=1):
            assert line.strip(), f"{path.name}:{number}: blank line"
            assert isinstance(json.loads(line), dict), f"{path.name}:{number}: not an object"


Check = Callable[[list[SavedObject], dict[str, Mapping], str], list[str]]
CHECKS: list[tuple[str, Check]] = [
    ("structure", lambda o, m, a: structure_problems(o)),
    ("references", lambda o, m, a: reference_problems(o)),
    ("fields", lambda o, m, a: field_problems(o, m)),
    ("lens state", lambda o, m, a: lens_state_problems(o)),
    ("content", lambda o, m, a: content_problems(o, a)),
    ("stories", lambda o, m, a: stories_problems(o)),
    ("geo", lambda o, m, a: geo_problems(o)),
]


@pytest.mark.parametrize(("name", "check"), CHECKS, ids=[c for c, _ in CHECKS])
def test_saved_objects_pass_check(
    name: str,
    check: Check,
    objects: list[SavedObject],
    mappings: dict[str, Mapping],
    alias: str,
) -> None:
    assert check(objects, mappings, alias) == []


def _object(objs: list[SavedObject], kind: str, title: str, name: str | None = None) -> SavedObject:
    found = next(
        (
            o
            for o in by_type(objs, kind)
            if o["attributes"].get("title") == title
            and (name is None or o["attributes"].get("name") == name)
        ),
        None,
    )
    assert found is not None
    return found


def _edit_json(obj: dict[str, Any], key: str, edit: Callable[[Any], None]) -> None:
    value = json.loads(obj[key])
    edit(value)
    obj[key] = json.dumps(value)


def _edit_panels(title: str, edit: Callable[[list[dict[str, Any]]], None]) -> Callable[..., None]:
    return lambda objs, maps: _edit_json(
        _object(objs, "dashboard", title)["attributes"], "panelsJSON", edit
    )


def _edit_controls(edit: Callable[[dict[str, Any]], None]) -> Callable[..., None]:
    def mutate(objs: list[SavedObject], maps: dict[str, Mapping]) -> None:
        group = _object(objs, "dashboard", "News facets")["attributes"]["controlGroupInput"]
        _edit_json(group, "panelsJSON", edit)

    return mutate


def _rename_field(title: str, old: str, new: str) -> Callable[..., None]:
    """The mapping changes under the Kibana objects (what a refactor of the template does)."""

    def mutate(objs: list[SavedObject], maps: dict[str, Mapping]) -> None:
        maps[title][new] = maps[title].pop(old)

    return mutate


def _retype_field(title: str, field: str, ftype: str) -> Callable[..., None]:
    def mutate(objs: list[SavedObject], maps: dict[str, Mapping]) -> None:
        maps[title][field] = Field(ftype, ftype in AGGREGATABLE)

    return mutate


def _first_lens_column(panel_list: list[dict[str, Any]]) -> dict[str, Any]:
    layers = panel_list[0]["embeddableConfig"]["attributes"]["state"]["datasourceStates"]
    return next(iter(next(iter(layers["formBased"]["layers"].values()))["columns"].values()))


def _set_first_control_field(field: str) -> Callable[[dict[str, Any]], None]:
    def edit(group: dict[str, Any]) -> None:
        next(iter(group.values()))["explicitInput"]["fieldName"] = field

    return edit


# (what breaks, how, which check must notice)
BREAKAGES: list[tuple[str, Callable[[list[SavedObject], dict[str, Mapping]], None], str]] = [
    (
        "entities.persons renamed in the mapping",
        _rename_field("news", "entities.persons", "entities.people"),
        "fields",
    ),
    ("time field renamed in the mapping", _rename_field("news", "published_at", "date"), "fields"),
    ("time field becomes a keyword", _retype_field("news", "published_at", "keyword"), "fields"),
    ("runs counts renamed", _rename_field("news-runs", "counts.new", "counts.created"), "fields"),
    (
        "quarantine.reason becomes text",
        _retype_field("news-runs", "quarantine.reason", "text"),
        "fields",
    ),
    ("control on a text field", _edit_controls(_set_first_control_field("title")), "fields"),
    (
        "control on a missing field",
        _edit_controls(_set_first_control_field("entities.people")),
        "fields",
    ),
    (
        "Lens terms on text",
        _edit_panels("News facets", lambda p: _first_lens_column(p).update(sourceField="body")),
        "fields",
    ),
    (
        "search column missing",
        lambda o, m: _object(o, "search", "News")["attributes"]["columns"].append("author"),
        "fields",
    ),
    (
        "control loses its data view",
        lambda o, m: _object(o, "dashboard", "News facets")["references"].pop(),
        "references",
    ),
    (
        "search points at a missing data view",
        lambda o, m: _object(o, "search", "News")["references"][0].update(id="gone"),
        "references",
    ),
    (
        "Lens reference only inline",
        lambda o, m: _object(o, "dashboard", "News facets")["references"].pop(0),
        "references",
    ),
    (
        "dashboard attribute Kibana rejects",
        lambda o, m: _object(o, "dashboard", "News facets")["attributes"].update(panels=[]),
        "structure",
    ),
    (
        "panelsJSON not JSON",
        lambda o, m: _object(o, "dashboard", "Pipeline runs")["attributes"].update(panelsJSON="[{"),
        "structure",
    ),
    ("duplicate id", lambda o, m: o.append(copy.deepcopy(o[0])), "structure"),
    (
        "visualization names a missing column",
        _edit_panels(
            "News facets",
            lambda p: p[0]["embeddableConfig"]["attributes"]["state"]["visualization"]["layers"][
                0
            ].update(xAccessor="nope"),
        ),
        "lens state",
    ),
    ("no language facet", _edit_controls(lambda g: g.pop("ctrl-language")), "content"),
    (
        "default data view hides undated documents again",
        lambda o, m: _object(o, "index-pattern", "news", DEFAULT_VIEW)["attributes"].update(
            timeFieldName="published_at"
        ),
        "content",
    ),
    (
        "no data view by publication date",
        lambda o, m: o.remove(_object(o, "index-pattern", "news", BY_PUBLICATION_VIEW)),
        "content",
    ),
    (
        "a dashboard panel on the publication-date view",
        lambda o, m: _object(o, "dashboard", "News facets")["references"][0].update(
            id=_object(o, "index-pattern", "news", BY_PUBLICATION_VIEW)["id"]
        ),
        "content",
    ),
    (
        "search columns changed",
        lambda o, m: _object(o, "search", "News")["attributes"].update(columns=["title"]),
        "content",
    ),
    (
        "no Stories panel",
        _edit_panels("News facets", lambda p: p.remove(_panel(p, "top-stories"))),
        "stories",
    ),
    (
        "Stories ranked by document count",
        _edit_panels("News facets", lambda p: _stories_order(p).update(columnId="nope")),
        "stories",
    ),
    (
        "Stories on a missing field",
        _rename_field("news", "story.size", "story.count"),
        "fields",
    ),
    (
        "no label for story.id",
        lambda o, m: _edit_json(
            _object(o, "index-pattern", "news", DEFAULT_VIEW)["attributes"],
            "fieldAttrs",
            lambda attrs: attrs.pop("story.id"),
        ),
        "stories",
    ),
    ("geo.points no longer a geo_point", _retype_field("news", "geo.points", "keyword"), "fields"),
    ("map layer on a missing field", _rename_field("news", "geo.points", "geo.point"), "fields"),
    (
        "map tooltip names a missing field",
        lambda o, m: _edit_layers(
            o, lambda ls: ls[1]["sourceDescriptor"]["tooltipProperties"].append("nope")
        ),
        "fields",
    ),
    (
        "map layer without its data view reference",
        lambda o, m: _object(o, "map", "News places").update(references=[]),
        "references",
    ),
    (
        "map layer type that does not draw its scaling",
        lambda o, m: _edit_layers(o, lambda ls: ls[1].update(type="GEOJSON_VECTOR")),
        "structure",
    ),
    (
        "map attribute Kibana does not map",
        lambda o, m: _object(o, "map", "News places")["attributes"].update(layers="[]"),
        "structure",
    ),
    (
        "map panel reference missing",
        lambda o, m: _object(o, "dashboard", "News facets").update(
            references=[
                r
                for r in _object(o, "dashboard", "News facets")["references"]
                if r["type"] != "map"
            ]
        ),
        "references",
    ),
    (
        "no map panel",
        _edit_panels("News facets", lambda p: p.remove(_panel(p, "places-map"))),
        "geo",
    ),
    (
        "map draws another field",
        lambda o, m: _edit_layers(o, lambda ls: ls[1]["sourceDescriptor"].update(geoField="x")),
        "geo",
    ),
    (
        "no Countries panel",
        _edit_panels("News facets", lambda p: p.remove(_panel(p, "top-countries"))),
        "geo",
    ),
    (
        "Countries panel on places",
        _edit_panels(
            "News facets",
            lambda p: _first_column(_panel(p, "top-countries")).update(
                sourceField="entities.locations"
            ),
        ),
        "geo",
    ),
    ("no Countries control", _edit_controls(lambda g: g.pop("ctrl-countries")), "geo"),
    (
        "no label for geo.countries",
        lambda o, m: _edit_json(
            _object(o, "index-pattern", "news", BY_PUBLICATION_VIEW)["attributes"],
            "fieldAttrs",
            lambda attrs: attrs.pop("geo.countries"),
        ),
        "geo",
    ),
]


def _edit_layers(objs: list[SavedObject], edit: Callable[[list[dict[str, Any]]], None]) -> None:
    _edit_json(_object(objs, "map", "News places")["attributes"], "layerListJSON", edit)


def _first_column(panel: dict[str, Any]) -> dict[str, Any]:
    layers = panel["embeddableConfig"]["attributes"]["state"]["datasourceStates"]["formBased"]
    return next(iter(next(iter(layers["layers"].values()))["columns"].values()))


def _panel(panel_list: list[dict[str, Any]], index: str) -> dict[str, Any]:
    return next(p for p in panel_list if p["panelIndex"] == index)


def _stories_order(panel_list: list[dict[str, Any]]) -> dict[str, Any]:
    state = _panel(panel_list, "top-stories")["embeddableConfig"]["attributes"]["state"]
    [layer] = state["datasourceStates"]["formBased"]["layers"].values()
    return layer["columns"]["c-value"]["params"]["orderBy"]


def test_stories_panel_ranks_stories_by_size(objects: list[SavedObject]) -> None:
    """The 'Stories' panel: a bar per story id, longest first, its height the story's size."""
    facets = find(objects, "dashboard", "News facets")
    assert facets is not None
    attrs = dict(lens_attributes(facets))["top-stories"]
    columns = {cid: c for _, cid, c in lens_columns(attrs)}
    assert columns["c-value"]["sourceField"] == "story.id"
    assert columns["c-value"]["params"]["orderBy"] == {"type": "column", "columnId": "c-size"}
    assert (columns["c-size"]["operationType"], columns["c-size"]["sourceField"]) == (
        "max",
        "story.size",
    )
    [layer] = attrs["state"]["visualization"]["layers"]
    assert (layer["xAccessor"], layer["accessors"]) == ("c-value", ["c-size"])
    grid = _panel(panels(facets), "top-stories")["gridData"]
    news_list = _panel(panels(facets), "news-list")["gridData"]
    assert grid["y"] + grid["h"] <= news_list["y"]  # no overlap with the document list


@pytest.mark.parametrize(("what", "mutate", "check_name"), BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_checks_catch_breakage(
    what: str,
    mutate: Callable[[list[SavedObject], dict[str, Mapping]], None],
    check_name: str,
    objects: list[SavedObject],
    mappings: dict[str, Mapping],
    alias: str,
) -> None:
    broken_objects = copy.deepcopy(objects)
    broken_mappings = copy.deepcopy(mappings)
    mutate(broken_objects, broken_mappings)
    check = dict(CHECKS)[check_name]
    assert check(broken_objects, broken_mappings, alias), f"{check_name!r} did not notice: {what}"


def test_runs_template_has_the_run_record_fields(mappings: dict[str, Mapping], alias: str) -> None:
    runs = mappings[f"{alias}-runs"]
    expected = {
        "run_id": "keyword",
        "started_at": "date",
        "ended_at": "date",
        "duration_seconds": "float",
        "counts.quarantined": "integer",
        "stage_seconds.load": "float",
        "quarantine.reason": "keyword",
        "quarantine.reason.text": "text",
        "versions.elasticsearch": "keyword",
        "error": "text",
    }
    assert {f: runs[f].type for f in expected if f in runs} == expected
    body = json.loads(RUNS_TEMPLATE.read_text(encoding="utf-8"))
    assert body["template"]["mappings"]["dynamic"] == "strict"


# ------------------------------------------------------------------------------- import request


def load_import_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kibana_import", IMPORT_SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["kibana_import"] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class FakeKibana:
    """A real HTTP server on 127.0.0.1 that records requests and answers from a script."""

    def __init__(self, answers: list[tuple[int, dict[str, Any]]]) -> None:
        self.requests: list[Recorded] = []
        self.answers = list(answers)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                outer.requests.append(
                    Recorded("POST", self.path, dict(self.headers.items()), self.rfile.read(length))
                )
                status, body = outer.answers.pop(0) if outer.answers else (500, {})
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeKibana:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def run_import(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIBANA_USERNAME": "news_kibana", "KIBANA_PASSWORD": "test-password"}
    return subprocess.run(
        [sys.executable, str(IMPORT_SCRIPT), "--kibana-url", url, "--dir", str(KIBANA_DIR), *extra],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def multipart_files(recorded: Recorded) -> list[tuple[str | None, str | None, bytes]]:
    """(form field name, filename, content) of each part, parsed by the standard library."""
    head = f"Content-Type: {recorded.headers['Content-Type']}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + recorded.body)
    assert message.is_multipart(), "body is not multipart"
    parts = []
    for part in message.iter_parts():
        payload = part.get_payload(decode=True)
        parts.append(
            (part.get_param("name", header="content-disposition"), part.get_filename(), payload)
        )
    return parts


def expected_ndjson() -> bytes:
    lines = [
        line
        for path in sorted(KIBANA_DIR.glob("*.ndjson"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return ("\n".join(lines) + "\n").encode()


ACKNOWLEDGED = (200, {"acknowledged": True})


def test_import_request_sent_over_http_is_well_formed(objects: list[SavedObject]) -> None:
    answer = {"success": True, "successCount": len(objects), "successResults": []}
    with FakeKibana([(200, answer), ACKNOWLEDGED]) as kibana:
        result = run_import(kibana.url, "--attempts", "1")
    assert result.returncode == 0, result.stderr
    assert f"{len(objects)} of {len(objects)} saved objects imported" in result.stdout
    assert len(kibana.requests) == 2
    request, default = kibana.requests
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert request.method == "POST"
    assert request.path == "/api/saved_objects/_import?overwrite=true"
    assert headers["kbn-xsrf"] == "true"
    assert headers["content-type"].startswith("multipart/form-data; boundary=")
    assert (
        base64.b64decode(headers["authorization"].removeprefix("Basic "))
        == b"news_kibana:test-password"
    )
    assert int(headers["content-length"]) == len(request.body)
    parts = multipart_files(request)
    assert len(parts) == 1
    name, filename, content = parts[0]
    assert name == "file"
    assert filename is not None and filename.endswith(".ndjson")
    assert content == expected_ndjson()
    imported = [json.loads(line) for line in content.decode().splitlines()]
    assert {(o["type"], o["id"]) for o in imported} == {(o["type"], o["id"]) for o in objects}
    # Then Kibana's default data view becomes "News", the one that shows undated articles too.
    assert default.method == "POST"
    assert default.path == "/api/data_views/default"
    assert {k.lower(): v for k, v in default.headers.items()}["kbn-xsrf"] == "true"
    assert default.headers["Authorization"] == headers["authorization"]
    wanted = json.loads(default.body)
    assert wanted == {"data_view_id": "news-etl-data-view-news", "force": True}
    [view] = [o for o in objects if o["id"] == wanted["data_view_id"]]
    assert view["type"] == "index-pattern"
    assert view["attributes"]["name"] == DEFAULT_VIEW
    assert view["attributes"]["timeFieldName"] == "ingested_at"
    assert "default data view is news-etl-data-view-news" in result.stdout


def test_default_data_view_refused_fails_the_import() -> None:
    with FakeKibana([(200, {"success": True}), (403, {"message": "Forbidden"})]) as kibana:
        result = run_import(kibana.url, "--attempts", "1")
    assert result.returncode == 1
    assert "default data view: HTTP 403: Forbidden" in result.stderr


def test_default_data_view_must_be_imported(tmp_path: Path) -> None:
    (tmp_path / "x.ndjson").write_text(
        '{"id": "other", "type": "index-pattern", "attributes": {"title": "x"}}\n',
        encoding="utf-8",
    )
    with FakeKibana([]) as kibana:
        result = run_import(kibana.url, "--attempts", "1", "--dir", str(tmp_path))
    assert result.returncode == 1
    assert "no data view 'news-etl-data-view-news'" in result.stderr
    assert kibana.requests == [], "nothing is sent when the default view is missing"


def test_import_waits_for_kibana_then_succeeds() -> None:
    with FakeKibana(
        [
            (503, {"message": "Kibana server is not ready yet"}),
            (200, {"success": True}),
            ACKNOWLEDGED,
        ]
    ) as kibana:
        result = run_import(kibana.url, "--attempts", "3", "--delay", "0.1")
    assert result.returncode == 0, result.stderr
    assert len(kibana.requests) == 3
    assert "not ready (HTTP 503)" in result.stderr


@pytest.mark.parametrize(
    ("status", "answer", "message"),
    [
        (
            200,
            {
                "success": False,
                "successCount": 1,
                "errors": [
                    {
                        "id": "news-etl-dashboard-news-facets",
                        "type": "dashboard",
                        "title": "News facets",
                        "error": {"type": "missing_references", "references": []},
                    }
                ],
            },
            "missing_references",
        ),
        (401, {"message": "Unauthorized"}, "HTTP 401"),
        (400, {"message": "Invalid file extension .txt"}, "HTTP 400"),
    ],
    ids=["import errors", "bad password", "bad request"],
)
def test_import_failure_exits_non_zero(status: int, answer: dict[str, Any], message: str) -> None:
    with FakeKibana([(status, answer)]) as kibana:
        result = run_import(kibana.url, "--attempts", "3", "--delay", "0.1")
    assert result.returncode == 1
    assert message in result.stderr
    assert len(kibana.requests) == 1, "a refused import must not be retried"


def test_import_gives_up_when_kibana_never_answers() -> None:
    with FakeKibana([]) as kibana:
        url = kibana.url
    # The server is closed: nothing listens on that port any more.
    result = run_import(url, "--attempts", "2", "--delay", "0.1", "--timeout", "2")
    assert result.returncode == 1
    assert "gave up after 2 attempts" in result.stderr


def test_request_builder_and_compose_arguments() -> None:
    module = load_import_script()
    request = module.build_import_request(
        "http://kibana:5601/", b'{"id":"x","type":"tag"}\n', "elastic", "pw", "ops", "B"
    )
    assert request.method == "POST"
    assert request.url == "http://kibana:5601/s/ops/api/saved_objects/_import?overwrite=true"
    assert request.headers["kbn-xsrf"] == "true"
    assert request.headers["Content-Type"] == "multipart/form-data; boundary=B"
    assert request.body.startswith(b'--B\r\nContent-Disposition: form-data; name="file"')
    assert request.body.endswith(b'{"id":"x","type":"tag"}\n\r\n--B--\r\n')
    # The arguments docker-compose.yml passes are the ones the script understands.
    service = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))["services"]["kibana-setup"]
    args = module.parse_args(service["command"])
    assert args.kibana_url == "http://kibana:5601"
    assert str(args.dir).endswith("config/kibana")


def test_broken_ndjson_is_refused_before_sending(tmp_path: Path) -> None:
    (tmp_path / "bad.ndjson").write_text(
        '{"id": "a", "type": "dashboard"}\n{oops\n', encoding="utf-8"
    )
    module = load_import_script()
    with pytest.raises(module.ImportFailed, match=r"bad\.ndjson:2"):
        module.collect_ndjson(tmp_path)
