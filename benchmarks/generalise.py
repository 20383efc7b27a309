"""Screen configurations of the default detector on both development corpora.

For each configuration (a `DefaultConfig` field override given as NAME=VALUE,...)
prints the nab-dev plain and leave-one-category-out scores and the synthetic
corpus scores for each seed given, with the per-category CV scores. With two
configurations or more, a last line per configuration compares it with the first,
seed by seed: the synthetic CV mean's paired differences, their mean, standard
error and how many seeds gained (one seed's score moves by several points when
a threshold crosses a cliff of equal scores, so judge a change on many seeds).
Not a test: an evaluation tool (docs/detection.md cites its numbers).

    .venv/bin/python benchmarks/generalise.py --nab-root /work/shared/data/nab-dev \
        --traces /work/shared/data/traces --seeds 0,1,2 "" "count_model=1"
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from vigil.detection.default import DefaultConfig, NoveltyDetector
from vigil.evaluation.bench import detect_corpus
from vigil.evaluation.corpus import NabFile, load_corpus
from vigil.evaluation.cv import cross_validate
from vigil.evaluation.nab import score_corpus
from vigil.evaluation.seeds import paired
from vigil.evaluation.synth import CORPUS_VERSION, write_corpus


def parse_config(spec: str) -> DefaultConfig:
    """'a=1,b=2' -> DefaultConfig with those fields replaced (typed like the defaults)."""
    base = DefaultConfig()
    types = {f.name: type(getattr(base, f.name)) for f in fields(DefaultConfig)}
    changes: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key, value = part.split("=", 1)
        kind = types[key]
        changes[key] = (value.lower() in ("1", "true")) if kind is bool else kind(float(value))
    return replace(base, **changes)


def evaluate(files: list[NabFile], cfg: DefaultConfig) -> dict[str, float]:
    """Plain standard score, CV mean and pooled, and per-category CV scores."""
    rows = detect_corpus(files, lambda: NoveltyDetector(cfg), "vigil").rows
    plain = score_corpus(rows).results["standard"].normalised
    cv = cross_validate({"vigil": rows})["standard"]
    out = {"plain": round(plain, 2), "cv_mean": round(cv.mean, 2),
           "cv_pooled": round(cv.pooled, 2)}
    for fold in cv.folds:
        norm = fold.normalised
        if norm is not None:
            out[fold.category] = round(norm, 1)
    return out


def main() -> None:
    """Run every configuration over nab-dev and the synthetic seeds; one JSON line each."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--nab-root", type=Path)
    ap.add_argument("--traces", type=Path)
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--corpus-version", type=int, default=CORPUS_VERSION,
                    help="synthetic generator version (1 reproduces older figures)")
    ap.add_argument("configs", nargs="*", default=[""])
    args = ap.parse_args()
    corpora: dict[str, list[NabFile]] = {}
    if args.nab_root:
        corpora["nab"] = load_corpus(args.nab_root)
    tmp = Path(tempfile.mkdtemp(prefix="synth-"))
    for seed in (int(s) for s in args.seeds.split(",") if s):
        root = tmp / str(seed)
        write_corpus(root, seed, args.traces, version=args.corpus_version)
        corpora[f"synth{seed}"] = load_corpus(root)
    lines: list[dict[str, Any]] = []
    for spec in args.configs:
        cfg = parse_config(spec)
        line: dict[str, Any] = {"config": spec or "default"}
        for name, files in corpora.items():
            line[name] = evaluate(files, cfg)
        print(json.dumps(line), flush=True)
        lines.append(line)
    for line in lines[1:]:
        print(json.dumps(compare(lines[0], line)), flush=True)


def compare(base: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Paired differences of `other` against `base`: nab-dev, and per synthetic seed."""
    out: dict[str, Any] = {"compare": other["config"], "against": base["config"]}
    if "nab" in base:
        out["nab_plain"] = round(other["nab"]["plain"] - base["nab"]["plain"], 2)
        out["nab_cv_mean"] = round(other["nab"]["cv_mean"] - base["nab"]["cv_mean"], 2)
    keys = [k for k in base if k.startswith("synth")]
    if keys:
        ref = [base[k]["cv_mean"] for k in keys]
        new = [other[k]["cv_mean"] for k in keys]
        out["synth_cv_mean"] = {"diffs": [round(b - a, 2) for a, b in zip(ref, new, strict=True)],
                                **paired(ref, new).as_dict()}
    return out


if __name__ == "__main__":
    main()
