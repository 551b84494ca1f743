"""The shared text layer: Simplified/Traditional Chinese folding for matching (OpenCC), kept offset-aligned."""

from __future__ import annotations

import re
from functools import cache, lru_cache

import opencc

_HAN = re.compile(r"[\u4e00-\u9fff]")


@cache
def _t2s() -> opencc.OpenCC:
    # "t2s" maps Traditional characters (and a few phrases) to Simplified; Simplified text passes unchanged.
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """Text in Simplified characters, for matching only (never shown to a user), with the same length and offsets.

    OpenCC's phrase table may change a phrase's length; then the text is converted character by character
    instead, so that an offset found in the folded text is the same offset in the original.
    """
    if not _HAN.search(text):
        return text
    out = _t2s().convert(text)
    if len(out) == len(text):
        return out
    return "".join(c if len(c) == 1 else t for t, c in ((t, _t2s().convert(t)) for t in text))
