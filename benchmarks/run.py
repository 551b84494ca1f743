"""NewsBot performance suite: builds, rebuilds, start-up, query latency at 1k/10k/100k chunks, baselines, backends.

Usage: python benchmarks/run.py ../shared/data/cmrc2018_trial.json [--quick] [--out benchmarks/out]

Writes benchmarks/out/report.md and report.json and prints the Markdown. Medians over several runs; every ratio
is against a baseline measured in the same run. See benchmarks/perf_corpus.py for how the corpora are made.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from benchmarks.perf_corpus import (
    Squad,
    load_squad,
    new_article,
    sentence_vectors,
    write_base_corpus,
    write_distractor_base,
    write_scaled_corpus,
)
from retrieval.config import Settings
from retrieval.engine import Engine
from retrieval.models import Hit

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
_SCRIPT = Path(PY).parent / "newsbot"  # the installed console script, as users run it
NEWSBOT = [str(_SCRIPT)] if _SCRIPT.is_file() else [PY, "-m", "bot.cli"]


def ms(seconds: float) -> float:
    return round(1000 * seconds, 2)


def ratio(a: float | None, b: float | None) -> str:
    """a / b for the report, or "-" where either side is missing or zero."""
    return f"{a / b:.2f}" if a and b else "-"


def pct(values: Sequence[float], p: float) -> float:
    return float(np.percentile(np.asarray(values), p)) if values else float("nan")


def lat(values_s: Sequence[float]) -> dict[str, float]:
    v = [1000 * x for x in values_s]
    return {"p50": round(pct(v, 50), 2), "p95": round(pct(v, 95), 2), "p99": round(pct(v, 99), 2), "n": len(v)}


def rss_mib() -> float:
    """Peak resident set of this process (VmHWM: unlike ru_maxrss it is not inherited from the parent at exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def clear_text_caches() -> None:
    """Empty the per-text caches of answer extraction, so that each mode starts equally cold."""
    import functools

    import retrieval.extract
    import retrieval.questions
    import retrieval.reading
    import retrieval.rules
    import retrieval.tagging
    import retrieval.text

    modules = (
        retrieval.rules,
        retrieval.extract,
        retrieval.questions,
        retrieval.reading,
        retrieval.text,
        retrieval.tagging,
    )
    for module in modules:
        for name, fn in vars(module).items():
            if isinstance(fn, functools._lru_cache_wrapper) and name != "_background_idf":
                fn.cache_clear()


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in (
        "torch",
        "sentence-transformers",
        "transformers",
        "faiss-cpu",
        "bm25s",
        "jieba",
        "numpy",
        "onnxruntime",
        "onnx",
    ):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "absent"
    return out


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from retrieval.onnx_backend import int8_instructions

    return {"cores": os.cpu_count(), "cpu": model, "int8_isa": int8_instructions(), "platform": platform.platform()}


def env_for(data_dir: Path, index_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_") or k == "NEWSBOT_EMBEDDING_MODEL"}
    env.update({"NEWSBOT_DATA_DIR": str(data_dir), "NEWSBOT_INDEX_DIR": str(index_dir), "HF_HUB_OFFLINE": "1"})
    env["PYTHONPATH"] = str(REPO)
    env.update(extra)
    return env


def timed_run(cmd: list[str], env: dict[str, str], cwd: Path, stdin: str | None = None) -> tuple[float, str]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, input=stdin, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall, proc.stdout


def median_runs(n: int, fn: Callable[[], float]) -> tuple[float, list[float]]:
    runs = [fn() for _ in range(n)]
    return statistics.median(runs), runs


# -- child process: load an index and run the queries ---------------------------------------------------------------
def child_serve(data_dir: Path, index_dir: Path, qfile: Path, dense: bool) -> dict[str, Any]:
    """Serve queries from a fresh process: hybrid (retrieval + answering), BM25-only and dense-only baselines."""
    from retrieval.answer import answer_question
    from retrieval.evaluation import short_answer_ok
    from retrieval.search import SearchParams

    questions: list[list[Any]] = json.loads(qfile.read_text(encoding="utf-8"))
    engine = Engine(Settings(data_dir=data_dir, index_dir=index_dir))
    t = time.perf_counter()
    index = engine.index
    out: dict[str, Any] = {
        "index_load_s": round(time.perf_counter() - t, 3),
        "chunks": len(index.chunks),
        "index_type": index.vectors.kind,
        "rss_after_load_mib": rss_mib(),
    }

    def quality(ids: list[str], gold: str) -> tuple[bool, bool]:
        return bool(ids) and ids[0] == gold, gold in ids[:5]

    warmup: list[str] = json.loads(qfile.with_suffix(".warmup.json").read_text(encoding="utf-8"))

    def run_mode(name: str, retrieve: Callable[[str], list[Hit]], answer: bool) -> None:
        clear_text_caches()
        for q in warmup:  # warm-up on other questions: lazy jieba/POS dictionaries, numpy paths
            hits = retrieve(q)
            if answer:
                answer_question(q, hits, index)
        r_t: list[float] = []
        a_t: list[float] = []
        top1 = top5 = correct = 0
        for q, gold, golds in questions:
            t0 = time.perf_counter()
            hits = retrieve(q)
            t1 = time.perf_counter()
            r_t.append(t1 - t0)
            if answer:
                ans = answer_question(q, hits, index)
                a_t.append(time.perf_counter() - t1)
                correct += bool(ans.answered and short_answer_ok(ans.answer, golds))
            a, b = quality([h.chunk.article_id for h in hits], gold)
            top1 += a
            top5 += b
        n = len(questions)
        total = [r + a for r, a in zip(r_t, a_t, strict=True)] if answer else r_t
        out[name] = {
            "retrieval_ms": lat(r_t),
            "answer_ms": lat(a_t) if answer else None,
            "total_ms": lat(total),
            "top1": round(top1 / n, 4),
            "top5": round(top5 / n, 4),
            "answer_accuracy": round(correct / n, 4) if answer else None,
        }

    engine.search_params = SearchParams()
    run_mode("hybrid", lambda q: engine.search(q, k=8), answer=True)
    engine.search_params = SearchParams(dense_weight=0.0)
    run_mode("bm25", lambda q: engine.search(q, k=8), answer=True)
    out["rss_serving_mib"] = rss_mib()
    out["model_loaded_by_hybrid"] = engine._embedder is not None
    if dense:
        t = time.perf_counter()
        embedder = engine.embedder
        out["model_load_s"] = round(time.perf_counter() - t, 3)

        def dense_only(q: str) -> list[Hit]:
            qv = embedder.encode_queries([q])[0]
            scores, ids = index.vectors.search(qv, 8)
            return [
                Hit(chunk=index.chunks[int(i)], score=float(s), dense=float(s))
                for s, i in zip(scores, ids, strict=True)
            ]

        run_mode("dense", dense_only, answer=True)
        out["rss_with_model_mib"] = rss_mib()
        qvecs = embedder.encode_queries([q for q, _, _ in questions[:200]])
        out["recall_at_10"] = recall_vs_flat(index.vectors, qvecs)
    return out


def recall_vs_flat(vindex: Any, qvecs: np.ndarray) -> dict[str, Any]:
    """recall@10 of the serving index against exact flat search, for real queries and for stored chunk vectors.

    "recall" counts returned ids that flat search also returned; "tie_aware" counts returned ids whose exact score
    reaches flat's 10th-best score, since chunks with identical vectors (repeated text, and the composed vectors
    of the scaled corpora, many of which coincide) make the id set among equal scores arbitrary.
    """
    import faiss

    unique = len(np.unique(np.round(vindex.vectors, 5), axis=0))
    if vindex.kind == "flat":
        return {"kind": "flat", "questions": 1.0, "chunks": 1.0, "unique_vectors": unique}
    flat = faiss.IndexFlatIP(vindex.vectors.shape[1])
    flat.add(np.ascontiguousarray(vindex.vectors))
    rng = np.random.default_rng(0)
    sample = vindex.vectors[rng.choice(len(vindex.vectors), size=min(200, len(vindex.vectors)), replace=False)]

    def recall(queries: np.ndarray) -> tuple[float, float]:
        scores, exact = flat.search(np.ascontiguousarray(queries, dtype=np.float32), 10)
        same = reach = 0
        for q, want, want_scores in zip(queries, exact, scores, strict=True):
            _, got = vindex.search(q, 10)
            same += len(set(got.tolist()) & set(want.tolist()))
            reach += int((vindex.similarity(q, got) >= want_scores[-1] - 1e-5).sum())
        return round(same / (10 * len(queries)), 4), round(reach / (10 * len(queries)), 4)

    t = time.perf_counter()
    for q in qvecs[:50]:
        flat.search(np.ascontiguousarray(q.reshape(1, -1), dtype=np.float32), 10)
    flat_ms = 1000 * (time.perf_counter() - t) / 50
    t = time.perf_counter()
    for q in qvecs[:50]:
        vindex.search(q, 10)
    ann_ms = 1000 * (time.perf_counter() - t) / 50
    (q_id, q_tie), (c_id, c_tie) = recall(qvecs), recall(sample)
    return {
        "kind": vindex.kind,
        "questions": q_tie,
        "chunks": c_tie,
        "questions_id": q_id,
        "chunks_id": c_id,
        "unique_vectors": unique,
        "flat_ms": round(flat_ms, 3),
        "ann_ms": round(ann_ms, 3),
    }


# -- stages ------------------------------------------------------------------------------------------------------
class FixedEmbedder:
    """For the scaled builds: every vector must come from the prefilled cache; misses are counted and zero-ish."""

    def __init__(self, dimension: int, languages: frozenset[str] | None) -> None:
        self._dimension = dimension
        self._languages = languages
        self.misses = 0
        # the backend of the run's model: its vector space goes into the manifest, which serving checks
        self.backend = Engine(Settings()).backend()

    name = "composed"

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def languages(self) -> frozenset[str] | None:
        return self._languages

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        raise RuntimeError("not for queries")

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.misses += len(texts)
        v = np.full((len(texts), self._dimension), 1.0 / np.sqrt(self._dimension), np.float32)
        return v


def stage_full_build(data_dir: Path, index_dir: Path) -> tuple[Engine, dict[str, Any]]:
    engine = Engine(Settings(data_dir=data_dir, index_dir=index_dir))
    t = time.perf_counter()
    _ = engine.embedder
    model_load = time.perf_counter() - t
    report = engine.reindex(full=True)
    phases = {k: round(v, 3) for k, v in engine.last_timings.items()}
    return engine, {
        "articles": report.articles,
        "chunks": report.chunks,
        "seconds": round(report.seconds, 2),
        "model_load_s": round(model_load, 2),
        "chunks_per_s": round(report.chunks / report.seconds, 1),
        "embed_chunks_per_s": round(report.chunks / max(phases.get("embed", 1e-9), 1e-9), 1),
        "phases_s": phases,
        "index_type": engine.index.vectors.kind,
    }


def stage_rebuilds(
    engine: Engine, squad: Squad, data_dir: Path, index_dir: Path, work: Path, reps: int, full_s: float
) -> dict[str, Any]:
    env = env_for(data_dir, index_dir)
    inproc = []
    for _ in range(reps):
        t = time.perf_counter()
        r = engine.reindex()
        inproc.append(time.perf_counter() - t)
        assert r.embedded == 0
    sub_med, sub_runs = median_runs(reps, lambda: timed_run([*NEWSBOT, "reindex"], env, work)[0])
    rng = random.Random(7)
    adds = []
    for n in range(reps):
        (data_dir / f"new-{n:03d}.json").write_text(
            json.dumps(new_article(rng, squad, n), ensure_ascii=False), encoding="utf-8"
        )
        wall, outp = timed_run([*NEWSBOT, "reindex"], env, work)
        adds.append(wall)
    (data_dir / f"new-{reps:03d}.json").write_text(
        json.dumps(new_article(rng, squad, reps), ensure_ascii=False), encoding="utf-8"
    )
    fresh = Engine(Settings(data_dir=data_dir, index_dir=index_dir))
    r = fresh.reindex()
    one_inproc = {
        "seconds": round(r.seconds, 3),
        "embedded": r.embedded,
        "phases_s": {k: round(v, 3) for k, v in fresh.last_timings.items()},
    }
    return {
        "no_change_inprocess_s": round(statistics.median(inproc), 3),
        "no_change_cli_s": round(sub_med, 3),
        "no_change_cli_runs": [round(x, 3) for x in sub_runs],
        "no_change_cli_vs_full": round(sub_med / full_s, 4),
        "add_one_cli_s": round(statistics.median(adds), 3),
        "add_one_cli_runs": [round(x, 3) for x in adds],
        "add_one_inprocess": one_inproc,
        "last_output": outp.strip(),
    }


def stage_startup(
    data_dir: Path, index_dir: Path, work: Path, question: str, reps: int, questions: list[str]
) -> dict[str, Any]:
    env = env_for(data_dir, index_dir)
    base, _ = median_runs(reps, lambda: timed_run([PY, "-c", "pass"], env, work)[0])
    imp, _ = median_runs(reps, lambda: timed_run([PY, "-c", "import retrieval.engine"], env, work)[0])
    ask, ask_runs = median_runs(reps, lambda: timed_run([*NEWSBOT, "ask", "--json", question], env, work)[0])
    wall, out = timed_run([*NEWSBOT, "ask", "--json", "-"], env, work, stdin="\n".join(questions) + "\n")
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert len(lines) == len(questions), (len(lines), len(questions))
    return {
        "python_pass_s": round(base, 3),
        "import_engine_s": round(imp, 3),
        "ask_one_s": round(ask, 3),
        "ask_one_runs": [round(x, 3) for x in ask_runs],
        "ask_one_vs_python": round(ask / base, 1),
        "batch_questions": len(questions),
        "batch_wall_s": round(wall, 2),
        "batch_ms_per_question": round(1000 * wall / len(questions), 1),
        "batch_ms_per_question_after_startup": round(1000 * (wall - ask) / len(questions), 1),
    }


WARMUP = [
    "深圳市委书记是谁？",
    "这座桥是什么时候建成的？",
    "他出生在哪里？",
    "该公司的总部设在哪个城市？",
]


def serve(data_dir: Path, index_dir: Path, questions: list[list[Any]], work: Path, dense: bool) -> dict[str, Any]:
    qfile = work / f"questions-{len(questions)}.json"
    qfile.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    qfile.with_suffix(".warmup.json").write_text(json.dumps(WARMUP, ensure_ascii=False), encoding="utf-8")
    cmd = [PY, str(Path(__file__).resolve()), "--child-serve", str(data_dir), str(index_dir), str(qfile)]
    if dense:
        cmd.append("--dense")
    _, out = timed_run(cmd, env_for(data_dir, index_dir), work)
    return json.loads(out.strip().splitlines()[-1])


def child_build(data_dir: Path, index_dir: Path, dimension: int) -> dict[str, Any]:
    """A scaled build in a fresh process, so its peak RSS is the build's own (vectors come from the cache)."""
    fixed = FixedEmbedder(dimension, None)
    engine = Engine(Settings(data_dir=data_dir, index_dir=index_dir), embedder=fixed)  # type: ignore[arg-type]
    report = engine.reindex()
    return {
        "chunks": report.chunks,
        "build_s": round(report.seconds, 1),
        "cache_misses": fixed.misses,
        "phases_s": {k: round(v, 2) for k, v in engine.last_timings.items()},
        "rss_build_mib": rss_mib(),
    }


def stage_scaled(
    engine: Engine,
    scales: list[int],
    work: Path,
    questions: list[list[Any]],
    digest_from: list[Any] | None = None,
    build_in_child: bool = False,
) -> list[dict[str, Any]]:
    base = engine.index
    chunk_vec = {(c.article_id, c.ord): base.vectors.vectors[i] for i, c in enumerate(base.chunks)}
    sent_vec = sentence_vectors(base.articles(), chunk_vec, base.chunks_of)
    results = []
    for n in scales:
        root = work / f"scale-{n}"
        shutil.rmtree(root, ignore_errors=True)
        data_dir, index_dir = root / "articles", root / "index"
        settings = Settings(data_dir=data_dir, index_dir=index_dir)
        fixed = FixedEmbedder(base.vectors.vectors.shape[1], engine._lazy.languages)
        scaled = Engine(settings, embedder=fixed)  # type: ignore[arg-type]
        t = time.perf_counter()
        gold_first = sorted(base.articles(), key=lambda a: a.id.startswith("distractor-"))
        n_articles, _ = write_scaled_corpus(
            gold_first,
            sent_vec,
            data_dir,
            scaled.store.cache_path,
            scaled.cache_key(),
            n,
            settings.chunk_chars,
            digest_from=digest_from,
        )
        compose_s = time.perf_counter() - t
        if build_in_child:
            dim = str(base.vectors.vectors.shape[1])
            cmd = [PY, str(Path(__file__).resolve()), "--child-build", str(data_dir), str(index_dir), dim]
            _, out = timed_run(cmd, env_for(data_dir, index_dir), work)
            built = json.loads(out.strip().splitlines()[-1])
        else:
            report = scaled.reindex()
            built = {
                "chunks": report.chunks,
                "build_s": round(report.seconds, 1),
                "cache_misses": fixed.misses,
                "phases_s": {k: round(v, 2) for k, v in scaled.last_timings.items()},
            }
        if built["chunks"] < 0.9 * n:
            raise RuntimeError(f"scaled build came out short: {built}")
        build = {"articles": n_articles, "compose_s": round(compose_s, 1), **built}
        del scaled
        served = serve(data_dir, index_dir, questions, work, dense=True)
        results.append({"target_chunks": n, "build": build, "serve": served})
        print(json.dumps(results[-1], ensure_ascii=False), file=sys.stderr, flush=True)
        shutil.rmtree(index_dir / "cache", ignore_errors=True)
    return results


def stage_backends(engine: Engine, squad: Squad, n_quality: int, n_speed: int, reps: int, work: Path) -> dict[str, Any]:
    """torch vs ONNX fp32 vs ONNX int8: load/export time, throughput, vector agreement, ranking agreement."""
    from retrieval import registry
    from retrieval.embedding import MINILM, make_embedder

    BACKENDS = ("torch", "onnx", "onnx-int8")  # runtimes of one sentence-transformers model (the bundled MiniLM)

    def backend_unavailable(backend: str) -> str | None:
        return registry.get(backend).problem(registry.ModelRequest(MINILM))

    from retrieval.engine import passage_text
    from retrieval.lexical import LexicalIndex, tokenize_many
    from retrieval.search import SearchParams, search
    from retrieval.store import LoadedIndex
    from retrieval.vectors import VectorIndex

    base = engine.index
    context_ids = {c["id"] for c in squad.contexts}
    chunks = [c for c in base.chunks if c.article_id in context_ids][:n_quality]
    texts = [passage_text(base.article(c.article_id), c) for c in chunks]
    present = {c.article_id for c in chunks}
    qs = [(q, g) for q, g, _ in squad.questions if g in present]
    lexical = LexicalIndex.build(tokenize_many(texts))
    arts = {a: base.article(a) for a in present}
    speed_texts = texts[:n_speed]
    out: dict[str, Any] = {"quality_chunks": len(texts), "questions": len(qs), "speed_texts": len(speed_texts)}
    ref_vecs: np.ndarray | None = None
    ref_top: list[list[int]] = []
    onnx_cache = work / "onnx-cache"
    embedders: dict[str, Any] = {}
    for backend in BACKENDS:
        reason = backend_unavailable(backend)
        if reason:
            out[backend] = {"unavailable": reason}
            continue
        t = time.perf_counter()
        make_embedder(MINILM, backend=backend, cache_dir=onnx_cache)
        first_load = time.perf_counter() - t
        t = time.perf_counter()
        embedders[backend] = make_embedder(MINILM, backend=backend, cache_dir=onnx_cache)
        out[backend] = {"first_load_s": round(first_load, 2), "load_s": round(time.perf_counter() - t, 2)}
        embedders[backend].encode_passages(speed_texts[:16])
    runs_by: dict[str, list[float]] = {b: [] for b in embedders}
    for _ in range(reps):  # round-robin, so that noise from other tenants hits every backend alike
        for backend, emb in embedders.items():
            t = time.perf_counter()
            emb.encode_passages(speed_texts)
            runs_by[backend].append(time.perf_counter() - t)
    for backend, emb in embedders.items():
        runs = runs_by[backend]
        t = time.perf_counter()
        vecs = emb.encode_passages(texts)
        quality_pass = time.perf_counter() - t
        q_t = []
        qv = []
        for q, _ in qs:
            t = time.perf_counter()
            qv.append(emb.encode_queries([q])[0])
            q_t.append(time.perf_counter() - t)
        qvecs = np.stack(qv)
        top = np.argsort(-(qvecs @ vecs.T), axis=1)[:, :10]
        ids = [[chunks[i].article_id for i in row] for row in top]
        d_top1 = sum(r[0] == g for r, (_, g) in zip(ids, qs, strict=True)) / len(qs)
        d_top5 = sum(g in r[:5] for r, (_, g) in zip(ids, qs, strict=True)) / len(qs)

        class Trusting:  # votes on every query, as a Chinese-capable model would: shows what the vectors cost
            name = emb.name
            dimension = emb.dimension
            languages = None

            def encode_queries(self, texts: Sequence[str], _e: Any = emb) -> np.ndarray:
                return _e.encode_queries(texts)  # type: ignore[no-any-return]

            def encode_passages(self, texts: Sequence[str], _e: Any = emb) -> np.ndarray:
                return _e.encode_passages(texts)  # type: ignore[no-any-return]

        loaded = LoadedIndex("bench", {}, arts, chunks, lexical, VectorIndex.build(vecs, vecs.shape[1], "flat"))
        h1 = h5 = 0
        for q, g in qs:
            hits = search(loaded, Trusting(), q, k=5, params=SearchParams(dense_weight=0.2))  # type: ignore[arg-type]
            hid = [h.chunk.article_id for h in hits]
            h1 += bool(hid) and hid[0] == g
            h5 += g in hid
        entry: dict[str, Any] = {
            **out[backend],
            "passages_per_s": round(len(speed_texts) / statistics.median(runs), 1),
            "runs_s": [round(x, 2) for x in runs],
            "quality_pass_s": round(quality_pass, 1),
            "query_ms": lat(q_t),
            "dense_top1": round(d_top1, 4),
            "dense_top5": round(d_top5, 4),
            "forced_hybrid_top1": round(h1 / len(qs), 4),
            "forced_hybrid_top5": round(h5 / len(qs), 4),
        }
        if ref_vecs is None:
            ref_vecs, ref_top = vecs, top.tolist()
        else:
            cos = (vecs * ref_vecs).sum(1)
            entry["cosine_to_torch_mean"] = round(float(cos.mean()), 4)
            entry["cosine_to_torch_min"] = round(float(cos.min()), 4)
            entry["top1_agree_torch"] = round(
                float(np.mean([a[0] == b[0] for a, b in zip(top.tolist(), ref_top, strict=True)])), 4
            )
            entry["top10_overlap_torch"] = round(
                float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(top.tolist(), ref_top, strict=True)])), 4
            )
        out[backend] = entry
    t = out.get("torch", {}).get("passages_per_s")
    for backend in BACKENDS[1:]:
        if t and "passages_per_s" in out.get(backend, {}):
            out[backend]["speedup_vs_torch"] = round(out[backend]["passages_per_s"] / t, 2)
    return out


# -- report ------------------------------------------------------------------------------------------------------
def markdown(r: dict[str, Any]) -> str:
    L: list[str] = []
    m, v = r["machine"], r["versions"]
    L.append(f"# NewsBot performance report{' (--quick)' if r['quick'] else ''}\n")
    L.append(f"`{r['command']}` — {r['finished']}, {r['total_s']:.0f} s in all\n")
    L.append(
        f"Machine: {m['cores']} cores, {m['cpu']} (int8 ISA: {m['int8_isa']}); "
        + ", ".join(f"{k} {val}" for k, val in v.items())
        + "\n"
    )
    fb = r["full_build"]
    L.append("## Builds (base corpus: CMRC 2018 trial contexts + sample + sentence-mixed digests)\n")
    L.append("| measure | value |\n|---|---|")
    L.append(f"| corpus | {fb['articles']} articles, {fb['chunks']} chunks, index {fb['index_type']} |")
    L.append(
        f"| full build (in-process, model preloaded in {fb['model_load_s']} s) | {fb['seconds']} s, "
        f"{fb['chunks_per_s']} chunks/s (embedding alone {fb['embed_chunks_per_s']} chunks/s) |"
    )
    L.append("| full build phases | " + ", ".join(f"{k} {val} s" for k, val in fb["phases_s"].items()) + " |")
    rb = r["rebuilds"]
    L.append(
        f"| no-change `newsbot reindex` (process incl.) | {rb['no_change_cli_s']} s = "
        f"{100 * rb['no_change_cli_vs_full']:.1f}% of full build (in-process {rb['no_change_inprocess_s']} s) |"
    )
    L.append(
        f"| add one article `newsbot reindex` (process incl.) | {rb['add_one_cli_s']} s "
        f"(runs {rb['add_one_cli_runs']}) |"
    )
    L.append(
        "| add one article, in-process phases | "
        + ", ".join(f"{k} {val} s" for k, val in rb["add_one_inprocess"]["phases_s"].items())
        + " |"
    )
    su = r["startup"]
    L.append("\n## Start-up and batch answering (base corpus)\n")
    L.append("| measure | value |\n|---|---|")
    L.append(f"| `python -c pass` | {su['python_pass_s']} s |")
    L.append(f"| `python -c 'import retrieval.engine'` | {su['import_engine_s']} s |")
    L.append(
        f"| `newsbot ask --json Q` (start-up to answer) | {su['ask_one_s']} s ({su['ask_one_vs_python']}× "
        f"python -c pass) |"
    )
    L.append(
        f"| `newsbot ask --json -`, {su['batch_questions']} questions | {su['batch_wall_s']} s wall = "
        f"{su['batch_ms_per_question']} ms/question ({su['batch_ms_per_question_after_startup']} ms after "
        f"start-up) |"
    )
    L.append("\n## Query latency and quality (fresh process per index; model load excluded)\n")
    L.append(
        "Quality: CMRC questions, gold context in top-1/top-5 retrieved chunks; answer = extracted answer "
        "matches gold. Dense-only = FAISS with the same model (query encoding included in its latency).\n"
    )
    L.append(
        "| chunks | index | mode | retrieval p50/p95/p99 ms | answering p50/p95/p99 ms | total p50/p95 ms | "
        "top-1 | top-5 | answer acc | RSS MiB |"
    )
    L.append("|---|---|---|---|---|---|---|---|---|---|")
    for row in r["latency"]:
        s = row["serve"]
        for mode in ("hybrid", "bm25", "dense"):
            if mode not in s:
                continue
            x = s[mode]
            rr, aa, tt = x["retrieval_ms"], x["answer_ms"] or {}, x["total_ms"]
            rss = s["rss_serving_mib"] if mode != "dense" else s.get("rss_with_model_mib")
            L.append(
                f"| {s['chunks']} | {s['index_type']} | {mode} | {rr['p50']}/{rr['p95']}/{rr['p99']} | "
                f"{aa.get('p50', '-')}/{aa.get('p95', '-')}/{aa.get('p99', '-')} | {tt['p50']}/{tt['p95']} | "
                f"{x['top1']:.3f} | {x['top5']:.3f} | {x['answer_accuracy']:.3f} | {rss} |"
            )
    L.append("\nRatios against the hybrid system in the same process (retrieval p50; >1 = baseline slower):\n")
    L.append(
        "| chunks | BM25-only / hybrid | dense-only / hybrid | hybrid top-1 − BM25 | hybrid top-1 − dense | "
        "recall@10 vs flat, tie-aware (questions / chunk vectors) [by id] | distinct vectors | "
        "ANN / flat ms per query |"
    )
    L.append("|---|---|---|---|---|---|---|---|")
    for row in r["latency"]:
        s = row["serve"]
        h, b, d = s["hybrid"], s["bm25"], s.get("dense")
        rc = s.get("recall_at_10", {})
        L.append(
            f"| {s['chunks']} | {ratio(b['retrieval_ms']['p50'], h['retrieval_ms']['p50'])} | "
            f"{ratio(d['retrieval_ms']['p50'], h['retrieval_ms']['p50']) if d else '-'} | "
            f"{h['top1'] - b['top1']:+.3f} | {(h['top1'] - d['top1']) if d else float('nan'):+.3f} | "
            f"{rc.get('questions')} / {rc.get('chunks')} "
            f"[{rc.get('questions_id', '-')} / {rc.get('chunks_id', '-')}] | "
            f"{rc.get('unique_vectors', '-')} | {rc.get('ann_ms', '-')} / {rc.get('flat_ms', '-')} |"
        )
    L.append(
        "\nScaled builds (vectors composed from the base set, written to the embedding cache; real "
        "`Engine.reindex()`):\n"
    )
    L.append(
        "| target | articles | chunks | compose s | build s | cache misses | phases | index load s | "
        "hybrid loaded model? |"
    )
    L.append("|---|---|---|---|---|---|---|---|---|")
    for row in r["latency"]:
        b, s = row.get("build"), row["serve"]
        if not b:
            continue
        L.append(
            f"| {row['target_chunks']} | {b['articles']} | {b['chunks']} | {b['compose_s']} | {b['build_s']} | "
            f"{b['cache_misses']} | "
            + ", ".join(f"{k} {val}" for k, val in b["phases_s"].items())
            + f" | {s['index_load_s']} | {s['model_loaded_by_hybrid']} |"
        )
    be = r.get("backends")
    if be:
        L.append(
            f"\n## Embedding backends ({be['speed_texts']} passages for speed; {be['quality_chunks']} CMRC "
            f"context chunks and {be['questions']} questions for agreement)\n"
        )
        L.append(
            "| backend | passages/s | × torch | load s (first, incl. export) | query p50 ms | cos to torch "
            "mean/min | top-1 agree | top-10 overlap | dense top-1/top-5 | hybrid (dense forced on) "
            "top-1/top-5 |"
        )
        L.append("|---|---|---|---|---|---|---|---|---|---|")
        for name in ("torch", "onnx", "onnx-int8"):
            e = be.get(name, {})
            if "unavailable" in e or not e:
                L.append(f"| {name} | unavailable: {e.get('unavailable', '?')} |||||||||")
                continue
            L.append(
                f"| {name} | {e['passages_per_s']} | {e.get('speedup_vs_torch', 1.0)} | {e['load_s']} "
                f"({e['first_load_s']}) | {e['query_ms']['p50']} | {e.get('cosine_to_torch_mean', 1.0)}/"
                f"{e.get('cosine_to_torch_min', 1.0)} | {e.get('top1_agree_torch', 1.0)} | "
                f"{e.get('top10_overlap_torch', 1.0)} | {e['dense_top1']:.3f}/{e['dense_top5']:.3f} | "
                f"{e['forced_hybrid_top1']:.3f}/{e['forced_hybrid_top5']:.3f} |"
            )
    L.append("\n## Targets\n")
    L.append("| target | measured | met |\n|---|---|---|")
    for t in r["targets"]:
        L.append(f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else 'NO'} |")
    return "\n".join(L) + "\n"


def scale_markdown(r: dict[str, Any]) -> str:
    """The --scaled-only report: per corpus size, the build (fresh process) and serving (fresh process)."""
    m = r["machine"]
    L = [f"# NewsBot local store at scale\n\n`{r['command']}` — {r['finished']}, {r['total_s']:.0f} s in all\n"]
    L.append(f"Machine: {m['cores']} cores, {m['cpu']}\n")
    L.append(
        "| chunks | articles | build s | build peak RSS MiB | serving RSS MiB (model loaded) | index | "
        "retrieval p50/p95/p99 ms | answering p50/p95/p99 ms | total p50/p95/p99 ms | top-1 | top-5 | "
        "answer acc | BM25-only top-1/answer acc | recall@10 vs flat, tie-aware (questions / chunks) [by id] |"
    )
    L.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in r["latency"]:
        b, s = row["build"], row["serve"]
        h, bm = s["hybrid"], s["bm25"]
        rr, aa, tt = h["retrieval_ms"], h["answer_ms"], h["total_ms"]
        rc = s.get("recall_at_10", {})
        L.append(
            f"| {s['chunks']} | {b['articles']} | {b['build_s']} | {b.get('rss_build_mib', '-')} | "
            f"{s['rss_serving_mib']} ({s.get('rss_with_model_mib', '-')}) | {s['index_type']} | "
            f"{rr['p50']}/{rr['p95']}/{rr['p99']} | {aa['p50']}/{aa['p95']}/{aa['p99']} | "
            f"{tt['p50']}/{tt['p95']}/{tt['p99']} | {h['top1']:.3f} | {h['top5']:.3f} | {h['answer_accuracy']:.3f} | "
            f"{bm['top1']:.3f}/{bm['answer_accuracy']:.3f} | {rc.get('questions')} / {rc.get('chunks')} "
            f"[{rc.get('questions_id', '-')} / {rc.get('chunks_id', '-')}] |"
        )
    L.append("\nBuild phases (s): ")
    for row in r["latency"]:
        L.append(f"- {row['build']['chunks']}: " + ", ".join(f"{k} {v}" for k, v in row["build"]["phases_s"].items()))
    return "\n".join(L) + "\n"


def targets(r: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    big = max(r["latency"], key=lambda row: row["serve"]["chunks"])["serve"]
    h = big["hybrid"]
    out.append(
        {
            "target": f"query p50 ≤ 20 ms at {big['chunks']} chunks (retrieval+answer)",
            "measured": f"{h['total_ms']['p50']} ms",
            "met": h["total_ms"]["p50"] <= 20,
        }
    )
    out.append(
        {
            "target": f"query p95 ≤ 50 ms at {big['chunks']} chunks",
            "measured": f"{h['total_ms']['p95']} ms",
            "met": h["total_ms"]["p95"] <= 50,
        }
    )
    rb = r["rebuilds"]
    out.append(
        {
            "target": "no-change reindex ≤ 10% of full build",
            "measured": f"{100 * rb['no_change_cli_vs_full']:.1f}%",
            "met": rb["no_change_cli_vs_full"] <= 0.10,
        }
    )
    out.append(
        {
            "target": "add one article ≤ 15 s wall incl. process start",
            "measured": f"{rb['add_one_cli_s']} s",
            "met": rb["add_one_cli_s"] <= 15,
        }
    )
    su = r["startup"]
    out.append(
        {
            "target": "start-up to ready ≤ 5 s (`newsbot ask` one question)",
            "measured": f"{su['ask_one_s']} s",
            "met": su["ask_one_s"] <= 5,
        }
    )
    rss = big.get("rss_serving_mib", 0)
    out.append(
        {
            "target": f"peak RSS ≤ 1.5 GiB at {big['chunks']} chunks (serving; with model loaded: "
            f"{big.get('rss_with_model_mib')} MiB)",
            "measured": f"{rss} MiB",
            "met": rss <= 1536,
        }
    )
    out.append(
        {
            "target": f"`ask --json -` ≤ 30 ms/question ({su['batch_questions']} questions)",
            "measured": f"{su['batch_ms_per_question']} ms",
            "met": su["batch_ms_per_question"] <= 30,
        }
    )
    be = r.get("backends", {})
    i8 = be.get("onnx-int8", {})
    if "speedup_vs_torch" in i8:
        out.append(
            {
                "target": "ONNX int8 ≥ 1.5× torch (default only if met with quality within 0.5 pt)",
                "measured": f"{i8['speedup_vs_torch']}×",
                "met": i8["speedup_vs_torch"] >= 1.5,
            }
        )
    for row in r["latency"]:
        rc = row["serve"].get("recall_at_10", {})
        if rc.get("kind") == "hnsw":
            out.append(
                {
                    "target": f"HNSW recall@10 vs flat ≥ 0.98 at {row['serve']['chunks']}",
                    "measured": f"{rc['questions']} (questions), {rc['chunks']} (chunk vectors), tie-aware",
                    "met": min(rc["questions"], rc["chunks"]) >= 0.98,
                }
            )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("squad", type=Path, nargs="?", help="SQuAD-format file (CMRC 2018 trial)")
    parser.add_argument("--quick", action="store_true", help="small corpus, 1k/10k scales, few repeats (minutes)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out")
    parser.add_argument("--scales", default=None, help="comma-separated chunk counts (default 1000,10000,100000)")
    parser.add_argument("--articles", type=int, default=None, help="base corpus size (default 850; quick 300)")
    parser.add_argument("--skip-backends", action="store_true")
    parser.add_argument("--model", help="embedding model of every engine in the run (default: the project's default)")
    parser.add_argument("--work-dir", type=Path, default=None, help="keep corpora and indexes here")
    parser.add_argument(
        "--distractors",
        type=Path,
        default=None,
        help="SQuAD-format file (e.g. DRCD) whose contexts replace the digests: the base corpus is every gold "
        "context plus --distractor-contexts of these, and the scaled corpora's digests take only their sentences, "
        "so no distractor repeats a gold sentence (answer quality at scale)",
    )
    parser.add_argument("--distractor-contexts", type=int, default=300, help="distractor contexts embedded for real")
    parser.add_argument(
        "--scaled-only",
        action="store_true",
        help="only the base build and the scaled corpora (each built in a fresh process: its peak RSS); no "
        "rebuild, start-up or backend stages",
    )
    parser.add_argument("--child-build", nargs=3, metavar=("DATA", "INDEX", "DIM"), help=argparse.SUPPRESS)
    parser.add_argument("--child-serve", nargs=3, type=Path, metavar=("DATA", "INDEX", "QFILE"), help=argparse.SUPPRESS)
    parser.add_argument("--dense", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.child_serve:
        print(json.dumps(child_serve(*args.child_serve, dense=args.dense)))
        return 0
    if args.child_build:
        data, index, dim = args.child_build
        print(json.dumps(child_build(Path(data), Path(index), int(dim))))
        return 0
    if args.squad is None or not args.squad.is_file():
        parser.error("give the CMRC 2018 (SQuAD-format) file, e.g. ../shared/data/cmrc2018_trial.json")
    for key in [k for k in os.environ if k.startswith("NEWSBOT_")]:
        del os.environ[key]
    if args.model:  # every engine of the run, in this process and its children, embeds with it
        os.environ["NEWSBOT_EMBEDDING_MODEL"] = args.model
    quick = args.quick
    scales = [int(x) for x in (args.scales or ("1000,10000" if quick else "1000,10000,100000")).split(",")]
    n_articles = args.articles or (300 if quick else 850)
    reps = 3 if quick else 5
    started = time.perf_counter()
    squad = load_squad(args.squad)
    rng = random.Random(0)
    qs = list(squad.questions)
    rng.shuffle(qs)
    tmp = tempfile.mkdtemp(prefix="newsbot-perf-")
    work = args.work_dir or Path(tmp)
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "command": " ".join([Path(PY).name, *sys.argv]),
        "quick": quick,
        "machine": machine(),
        "versions": versions(),
    }
    try:
        data_dir, index_dir = work / "base" / "articles", work / "base" / "index"
        shutil.rmtree(work / "base", ignore_errors=True)
        if args.distractors:
            write_distractor_base(squad, load_squad(args.distractors), data_dir, args.distractor_contexts)
        else:
            write_base_corpus(squad, data_dir, articles=n_articles)
        log = lambda msg: print(f"[{time.perf_counter() - started:6.0f}s] {msg}", file=sys.stderr, flush=True)  # noqa: E731
        log("full build")
        engine, report["full_build"] = stage_full_build(data_dir, index_dir)
        log(f"full build: {report['full_build']}")
        context_ids = {c["id"] for c in squad.contexts}
        present = {a for a in engine.index.articles_by_id if a in context_ids}
        serve_qs = [[q, g, golds] for q, g, golds in qs if g in present][: (120 if quick else 400)]
        if args.scaled_only:
            distractors = [a for a in engine.index.articles() if a.id.startswith("distractor-")]
            log("scaled corpora (scaled only)")
            report["latency"] = stage_scaled(
                engine, scales, work, serve_qs, digest_from=distractors or None, build_in_child=True
            )
            report["total_s"] = round(time.perf_counter() - started, 1)
            report["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / "scale.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
            md = scale_markdown(report)
            (args.out / "scale.md").write_text(md, encoding="utf-8")
            print(md)
            return 0
        log("rebuilds")
        report["rebuilds"] = stage_rebuilds(
            engine, squad, data_dir, index_dir, work, 3, report["full_build"]["seconds"]
        )
        log(f"rebuilds: {report['rebuilds']}")
        log("start-up")
        batch = [q for q, _, _ in qs][: (100 if quick else 500)]
        report["startup"] = stage_startup(data_dir, index_dir, work, serve_qs[0][0], reps, batch)
        log(f"start-up: {report['startup']}")
        log("serving the base corpus")
        base_served = serve(data_dir, index_dir, serve_qs, work, dense=True)
        report["latency"] = [{"target_chunks": base_served["chunks"], "build": None, "serve": base_served}]
        log(f"base corpus served: {json.dumps(base_served, ensure_ascii=False)}")
        log("scaled corpora")
        report["latency"] += stage_scaled(engine, scales, work, serve_qs)
        report["latency"].sort(key=lambda row: row["serve"]["chunks"])
        if not args.skip_backends:
            log("backends")
            report["backends"] = stage_backends(
                engine, squad, 200 if quick else 1200, 64 if quick else 256, 2 if quick else 3, work
            )
        report["targets"] = targets(report)
    finally:
        if args.work_dir is None:
            shutil.rmtree(tmp, ignore_errors=True)
    report["total_s"] = round(time.perf_counter() - started, 1)
    report["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    md = markdown(report)
    (args.out / "report.md").write_text(md, encoding="utf-8")
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
