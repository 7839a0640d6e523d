"""Independent strict parsers for hmetrics' outputs, one process per batch.

Reads JSON lines on stdin: {"id": ..., "kind": "openmetrics" | "text" | "otlp",
"data": text, or {"proto": base64, "json": text} for otlp}. Writes one JSON line per input: {"id", "ok", "error"?,
"parsed"?}. Prometheus outputs go through prometheus_client's parsers (the OpenMetrics one raises
on any deviation from the 1.0 spec); OTLP through protobuf classes that protoc generated from the
official .proto files (on PYTHONPATH), refusing unknown fields, and through protobuf's strict JSON
parser for the JSON mapping, which must decode to the same message. The data-model rules are checked by the caller on "parsed".
"""
import base64
import json
import math
import sys
import warnings

warnings.simplefilter("ignore")

from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics_families
from prometheus_client.parser import text_string_to_metric_families as text_families
from google.protobuf import json_format
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest


def number(value):
    if math.isnan(value) or math.isinf(value):
        return str(value)
    return value


def prometheus(parse, data):
    out = []
    for family in parse(data):
        for sample in family.samples:
            out.append([family.name, family.type, sample.name, sample.labels, number(sample.value)])
    return out


def unknown_fields(message, path):
    found = []
    if len(message.UnknownFields()) > 0:
        found.append(path)
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.label == field.LABEL_REPEATED:
            if field.message_type.GetOptions().map_entry:
                continue
            for i, item in enumerate(value):
                found.extend(unknown_fields(item, f"{path}.{field.name}[{i}]"))
        else:
            found.extend(unknown_fields(value, f"{path}.{field.name}"))
    return found


def otlp(data):
    """Both encodings of one export: each parsed strictly, and they must carry the same message."""
    from_proto = ExportMetricsServiceRequest()
    from_proto.ParseFromString(base64.b64decode(data["proto"]))
    unknown = unknown_fields(from_proto, "request")
    if unknown:
        raise ValueError("protobuf: unknown fields at " + ", ".join(unknown[:5]))
    from_json = ExportMetricsServiceRequest()
    try:
        json_format.Parse(data["json"], from_json, ignore_unknown_fields=False)
    except Exception as error:
        raise ValueError(f"JSON mapping: {error}")
    if from_json != from_proto:
        raise ValueError("the JSON and protobuf encodings of one export differ")
    return json_format.MessageToDict(from_proto)


PARSERS = {
    "openmetrics": lambda data: prometheus(openmetrics_families, data),
    "text": lambda data: prometheus(text_families, data),
    "otlp": otlp,
}

for line in sys.stdin:
    item = json.loads(line)
    try:
        result = {"id": item["id"], "ok": True, "parsed": PARSERS[item["kind"]](item["data"])}
    except Exception as error:  # every parser error is a finding, reported with its input's id
        result = {"id": item["id"], "ok": False, "error": f"{type(error).__name__}: {error}"}
    sys.stdout.write(json.dumps(result) + "\n")
sys.stdout.flush()
