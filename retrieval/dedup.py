"""Near-duplicate articles (syndicated copies): MinHash over character shingles, candidates from LSH."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

# Character 5-grams of letters and digits only: short enough that a one-character edit touches five shingles,
# long enough that two different stories on the same topic share few (Chinese words are 1-4 characters).
SHINGLE_CHARS = 5
# 128 permutations: the Jaccard estimate's standard error is sqrt(J(1-J)/128), about 0.044 near the threshold.
NUM_PERM = 128
# Two articles are one story when the (estimated) Jaccard similarity of their shingle sets reaches this. Measured with
# `benchmarks/dedup.py` on edited copies of the shared reading-comprehension contexts vs different paragraphs of the
# same title (README "Syndicated copies merged"): precision 0.998 / recall 0.975 here; 0.35 finds a few more trimmed
# copies with the same false merges, 0.55 merges nothing wrong but misses 9% of copies. Lower merges heavier rewrites
# but risks merging a follow-up that repeats background paragraphs; higher leaves trimmed copies as separate sources
# (the safer failure: a second source line, not a hidden story).
DUPLICATE_THRESHOLD = 0.45
# LSH finds candidates a little below the threshold, so estimates that fall just short are still compared.
_LSH_THRESHOLD = 0.35
_KEEP = re.compile(r"[\W_]+", re.UNICODE)


def fingerprint_text(text: str) -> str:
    """The text as compared: NFKC, lower case, letters and digits only (punctuation and spacing edits vanish)."""
    return _KEEP.sub("", unicodedata.normalize("NFKC", text).lower())


def exact_key(text: str) -> str:
    """Equal for texts that differ only in punctuation, spacing, case or full/half width."""
    return hashlib.sha256(fingerprint_text(text).encode("utf-8")).hexdigest()


def shingles(text: str, size: int = SHINGLE_CHARS) -> set[bytes]:
    """The set of character n-grams of the fingerprint (the whole text when shorter than n)."""
    flat = fingerprint_text(text)
    if len(flat) <= size:
        return {flat.encode("utf-8")} if flat else set()
    return {flat[i : i + size].encode("utf-8") for i in range(len(flat) - size + 1)}


def signature(text: str) -> MinHash:
    """The MinHash of a text's shingles."""
    mh = MinHash(num_perm=NUM_PERM, seed=1)
    grams = shingles(text)
    if grams:
        mh.update_batch(list(grams))
    return mh


def jaccard(a: str, b: str) -> float:
    """Exact Jaccard similarity of two texts' shingle sets (for measurement and tests)."""
    sa, sb = shingles(a), shingles(b)
    if not sa and not sb:
        return 1.0
    return len(sa & sb) / len(sa | sb)


@dataclass(frozen=True)
class Match:
    """An indexed article a text duplicates: its key, and whether exactly or how similar (estimated Jaccard)."""

    key: str
    exact: bool
    similarity: float


class DuplicateIndex:
    """Articles seen so far, by exact key and by MinHash; answers "which one is this a copy of?"."""

    def __init__(self, threshold: float = DUPLICATE_THRESHOLD) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=min(_LSH_THRESHOLD, threshold), num_perm=NUM_PERM)
        self._exact: dict[str, str] = {}
        self._signatures: dict[str, MinHash] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def add(self, key: str, text: str) -> None:
        """Remember an article under key (a key added twice is replaced)."""
        self.remove(key)
        self._exact.setdefault(exact_key(text), key)
        mh = signature(text)
        self._signatures[key] = mh
        self._lsh.insert(key, mh)

    def remove(self, key: str) -> None:
        """Forget an article (no error when unknown)."""
        if key in self._signatures:
            self._lsh.remove(key)
            del self._signatures[key]
            for digest in [d for d, k in self._exact.items() if k == key]:
                del self._exact[digest]

    def find(self, text: str) -> Match | None:
        """The best article this text duplicates: an exact copy first, else the most similar at the threshold."""
        found = self._exact.get(exact_key(text))
        if found is not None:
            return Match(found, True, 1.0)
        mh = signature(text)
        best: Match | None = None
        for key in self._lsh.query(mh):
            similarity = float(mh.jaccard(self._signatures[key]))
            if similarity >= self.threshold and (best is None or similarity > best.similarity):
                best = Match(str(key), False, similarity)
        return best


def estimate(a: str, b: str) -> float:
    """The MinHash estimate of Jaccard similarity, as the index compares (for measurement)."""
    sa, sb = signature(a), signature(b)
    return float(np.mean(sa.hashvalues == sb.hashvalues))
