"""Which findings of a detector fire outside the label windows of bursty count series.

Generates mention-volume series like the synthetic corpus' `synthBursts` (Pareto
tail index from --tail, daily × weekly level from --levels a step), scores them
with NAB's standard profile at the best threshold, and counts the detections
outside and inside windows by kind of finding and seasonal context, one JSON
line per detector. Not a test:
a diagnostic (docs/detection.md cites its output).

    .venv/bin/python benchmarks/bursts_kinds.py --levels 20,200 --tail 2.5,4 vigil zscore
    .venv/bin/python benchmarks/bursts_kinds.py --levels 20,200 "size_at=0"
"""

from __future__ import annotations

import argparse
import collections
import json

import numpy as np
from generalise import parse_config

from vigil.detection import kernel as K
from vigil.detection.base import Detector
from vigil.detection.default import NoveltyDetector
from vigil.evaluation.nab import STANDARD, FileRows, layout_file, score_corpus
from vigil.evaluation.synth import burst_series, windows_of
from vigil.evaluation.variants import make_candidate

KIND_NAMES = {K.K_NONE: "score", K.K_NEW_HIGH: "new high", K.K_NEW_LOW: "new low",
              K.K_PATTERN: "pattern", K.K_TIME_OF_DAY: "time of day",
              K.K_RESIDUAL: "residual", K.K_DRIFT: "drift", K.K_SIZE: "glaring",
              K.K_OUTAGE: "outage", K.K_SHIFT: "shift", K.K_SILENCE: "silence",
              K.K_STUCK: "stuck"}
CONTEXTS = {K.CTX_FLAT: "flat", K.CTX_DAY: "daily", K.CTX_WEEK: "weekly"}


def make(spec: str) -> Detector:
    """A registered detector by name, or the default with NAME=VALUE overrides."""
    return NoveltyDetector(parse_config(spec)) if "=" in spec or not spec \
        else make_candidate(spec)


def label(code: int) -> str:
    """'kind/context' of a kernel kind code."""
    kind = code % K.CTX_MUL
    ctx = (code // K.CTX_MUL) % (K.QUIET_MUL // K.CTX_MUL)
    return f"{KIND_NAMES.get(kind, str(kind))}/{CONTEXTS.get(ctx, str(ctx))}"


def main() -> None:
    """Score each detector over the generated files; print score, counts and kinds."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="0,1,2,3")
    ap.add_argument("--files", type=int, default=8, help="files per seed")
    ap.add_argument("--rows", type=int, default=4 * 4032, help="rows per file (5 minutes)")
    ap.add_argument("--tail", default="1.2,2.0", help="Pareto tail index range of the bursts")
    ap.add_argument("--levels", default="0.5,30", help="level range a step")
    ap.add_argument("detectors", nargs="*", default=[""])
    args = ap.parse_args()
    t_lo, t_hi = (float(x) for x in args.tail.split(","))
    l_lo, l_hi = (float(x) for x in args.levels.split(","))
    series = [s for seed in (int(x) for x in args.seeds.split(","))
              for s in burst_series(seed, args.files, args.rows, (t_lo, t_hi), (l_lo, l_hi))]
    for spec in args.detectors:
        rows: dict[str, FileRows] = {}
        kinds: dict[str, np.ndarray] = {}
        for i, s in enumerate(series):
            result = make(spec).update_batch(s.seconds, s.values)
            rows[str(i)] = layout_file(result.scores, windows_of(s))
            kinds[str(i)] = result.kinds[len(s.values) - len(rows[str(i)].scores):]
        res = score_corpus(rows, [STANDARD]).results["standard"]
        outside: collections.Counter[str] = collections.Counter()
        inside: collections.Counter[str] = collections.Counter()
        for name, f in rows.items():
            for p in np.flatnonzero(f.scores >= res.threshold):
                (inside if f.window_id[p] >= 0 else outside)[label(int(kinds[name][p]))] += 1
        print(json.dumps({"detector": spec or "vigil", "standard": round(res.normalised, 2),
                          "threshold": round(res.threshold, 4), "tp": res.tp, "fp": res.fp,
                          "fn": res.fn, "outside": dict(outside.most_common()),
                          "inside": dict(inside.most_common())}), flush=True)


if __name__ == "__main__":
    main()
