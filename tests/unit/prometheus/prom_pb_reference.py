"""The remote_write protobuf messages built at run time with the protobuf runtime.

An independent encoder/decoder to cross-check Vigil's hand-written wire-format reader.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_F = descriptor_pb2.FieldDescriptorProto


def _build(minimal: bool = False) -> descriptor_pool.DescriptorPool:
    """The messages; `minimal` keeps only labels and samples (the rest become unknown fields)."""
    fdp = descriptor_pb2.FileDescriptorProto(
        name="vigil_test_remote.proto", package="prometheus", syntax="proto3")

    def msg(name: str, fields: list[tuple[str, int, int, int, str | None]]) -> None:
        m = fdp.message_type.add(name=name)
        for fname, num, typ, label, tname in fields:
            f = m.field.add(name=fname, number=num, type=typ, label=label)
            if tname:
                f.type_name = tname

    rep, opt = _F.LABEL_REPEATED, _F.LABEL_OPTIONAL
    msg("Label", [("name", 1, _F.TYPE_STRING, opt, None), ("value", 2, _F.TYPE_STRING, opt, None)])
    msg("Sample", [("value", 1, _F.TYPE_DOUBLE, opt, None),
                   ("timestamp", 2, _F.TYPE_INT64, opt, None)])
    msg("Exemplar", [("labels", 1, _F.TYPE_MESSAGE, rep, ".prometheus.Label"),
                     ("value", 2, _F.TYPE_DOUBLE, opt, None),
                     ("timestamp", 3, _F.TYPE_INT64, opt, None)])
    msg("Histogram", [("count_int", 1, _F.TYPE_UINT64, opt, None),
                      ("sum", 3, _F.TYPE_DOUBLE, opt, None),
                      ("timestamp", 15, _F.TYPE_INT64, opt, None)])
    msg("TimeSeries", [("labels", 1, _F.TYPE_MESSAGE, rep, ".prometheus.Label"),
                       ("samples", 2, _F.TYPE_MESSAGE, rep, ".prometheus.Sample"),
                       ("exemplars", 3, _F.TYPE_MESSAGE, rep, ".prometheus.Exemplar"),
                       ("histograms", 4, _F.TYPE_MESSAGE, rep, ".prometheus.Histogram")]
        [:2 if minimal else 4])
    msg("MetricMetadata", [("type", 1, _F.TYPE_INT32, opt, None),
                           ("metric_family_name", 2, _F.TYPE_STRING, opt, None),
                           ("help", 4, _F.TYPE_STRING, opt, None),
                           ("unit", 5, _F.TYPE_STRING, opt, None)])
    msg("WriteRequest", [("timeseries", 1, _F.TYPE_MESSAGE, rep, ".prometheus.TimeSeries"),
                         ("metadata", 3, _F.TYPE_MESSAGE, rep, ".prometheus.MetricMetadata")]
        [:1 if minimal else 2])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return pool


WriteRequest: Any = message_factory.GetMessageClass(
    _build().FindMessageTypeByName("prometheus.WriteRequest"))
MinimalWriteRequest: Any = message_factory.GetMessageClass(
    _build(minimal=True).FindMessageTypeByName("prometheus.WriteRequest"))
"""Only labels and samples: exemplars, histograms and metadata are skipped as unknown
fields without looking inside, as Vigil's decoder does."""


def reference_decode(raw: bytes, minimal: bool = False,
                     ) -> list[tuple[str, dict[str, str], list[tuple[float, float]]]]:
    """Decode with the protobuf runtime into (name, labels, points) like Vigil's decoder."""
    wr = MinimalWriteRequest() if minimal else WriteRequest()
    wr.ParseFromString(raw)
    out = []
    for ts in wr.timeseries:
        labels = {lab.name: lab.value for lab in ts.labels if lab.value}
        name = labels.pop("__name__", "")
        points = [(s.timestamp / 1000.0, s.value) for s in ts.samples]
        if points:
            out.append((name, labels, points))
    return out
