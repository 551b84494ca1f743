"""Does the conversation work (dates, comparison of reports) slow a plain question? p50/p95 at ~10k chunks.

Usage: OMP_NUM_THREADS=1 python benchmarks/plain_latency.py [--shared ../shared/data] [--articles 2900]
       [--questions 300] [--work-dir DIR]

Corpus: CMRC 2018 trial contexts, the sample article and news digests of their sentences (benchmarks/perf_corpus.py),
each given a seeded publication date in 2024, ~10k chunks with the default 2,900 articles. Passage vectors come from
a hashing stand-in (the bundled English model is not trusted with Chinese queries, so a Chinese question is
answered by BM25 alone either way and the vectors do not change the timing; embedding 10k chunks on this machine
would take ~10 minutes). For each of N CMRC questions, interleaved after a warm-up:
- before: what Engine.ask did before this issue (search k=8, then the extractive answer);
- after: Engine.ask now (date expressions looked for, reports of other dates compared when they match as well).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.perf_corpus import load_squad, write_base_corpus
from retrieval.answer import answer_question
from retrieval.config import Settings
from retrieval.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
DIM = 384


class HashEmbedder:
    """Deterministic unit vectors from a hash of the text: the shape of real vectors without a model."""

    name = "hash"
    backend = "torch"
    dimension = DIM
    languages = frozenset({"en"})

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), DIM), np.float32)
        for i, t in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(t.encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
        return out

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)


def date_articles(data_dir: Path, seed: int = 0) -> None:
    """Give every JSONL article a publication date in 2024 (seeded)."""
    rng = random.Random(seed)
    for path in data_dir.glob("*.jsonl"):
        lines = []
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            record["published"] = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            lines.append(json.dumps(record, ensure_ascii=False))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1000, q))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--articles", type=int, default=2900)
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--work-dir", type=Path, default=None)
    args = parser.parse_args()
    squad_path = args.shared / "cmrc2018_trial.json"
    if not squad_path.is_file():
        print(f"error: no cmrc2018_trial.json in {args.shared} (give --shared DIR)", file=sys.stderr)
        return 1
    squad = load_squad(squad_path)
    with tempfile.TemporaryDirectory(prefix="newsbot-latency-") as tmp:
        work = args.work_dir or Path(tmp)
        data = work / "articles"
        if not data.is_dir():
            write_base_corpus(squad, data, articles=args.articles)
            date_articles(data)
        engine = Engine(
            Settings(_env_file=None, data_dir=data, index_dir=work / "index"),
            embedder=HashEmbedder(),  # type: ignore[arg-type]
        )
        report = engine.reindex()
        print(report.summary(), file=sys.stderr)
        index = engine.index
        questions = [q for q, _, _ in random.Random(1).sample(squad.questions, args.questions)]

        def before(q: str) -> None:
            answer_question(q, engine.search(q, k=8), index)

        for q in questions[:20]:  # warm-up: caches, jieba, the answer model
            before(q)
            engine.ask(q)
        old: list[float] = []
        new: list[float] = []
        compared = 0
        for q in questions:
            t = time.perf_counter()
            before(q)
            old.append(time.perf_counter() - t)
            t = time.perf_counter()
            answer = engine.ask(q)
            new.append(time.perf_counter() - t)
            compared += bool(answer.earlier)
    print(f"{report.chunks} chunks, {len(questions)} CMRC questions, one thread")
    print(f"before (search + extractive answer): p50 {pct(old, 50):.1f} ms, p95 {pct(old, 95):.1f} ms")
    print(f"after  (Engine.ask now):             p50 {pct(new, 50):.1f} ms, p95 {pct(new, 95):.1f} ms")
    print(f"p95 difference: {pct(new, 95) - pct(old, 95):+.1f} ms; answers with an earlier report: {compared}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
