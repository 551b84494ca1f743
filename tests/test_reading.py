"""Span features: the per-sentence precomputation gives what the direct definitions give."""

from __future__ import annotations

import random

from retrieval.models import Chunk, Hit
from retrieval.reading import (
    NEAR,
    SPAN_FEATURES,
    Sentence,
    _layout,
    analyse,
    candidates,
    reading_form,
    span_features,
)


def _tail(s: str, end: int, left: str) -> int:
    return max((n for n in range(1, 13) if n <= min(len(left), end) and s[end - n : end] == left[-n:]), default=0)


def _head(s: str, start: int, right: str) -> int:
    return max((n for n in range(1, 13) if n <= min(len(right), len(s) - start) and s[start : start + n] == right[:n]),
               default=0)  # fmt: skip


def test_question_context_matches_equal_brute_force_at_every_position() -> None:
    rng = random.Random(7)
    for _ in range(200):
        s = "".join(rng.choice("甲乙丙丁的是") for _ in range(rng.randint(0, 30)))
        left = "".join(rng.choice("甲乙丙丁的") for _ in range(rng.randint(0, 14)))
        right = "".join(rng.choice("甲乙丙丁是") for _ in range(rng.randint(0, 14)))
        lay = _layout(s, {}, (), set(), left, right)
        for p in range(len(s) + 1):
            assert lay.before[p] == _tail(s, p, left)
            assert lay.after[p] == _head(s, p, right)
            assert lay.before_near[p] == max(_tail(s, e, left) for e in range(max(p - NEAR, 0), p + 1))
            assert lay.after_near[p] == max(_head(s, b, right) for b in range(p, min(p + NEAR, len(s)) + 1))


def _sentence(text: str) -> Sentence:
    chunk = Chunk(id="a#0", article_id="a", ord=0, start=0, end=len(text), text=text)
    return Sentence("a", 0, len(text), text, reading_form(text), 0, Hit(chunk=chunk, score=1.0), 0)


def test_span_features_describe_where_the_span_sits() -> None:
    q = analyse("博览会在哪里举行？")
    sent = _sentence("第五届博览会在国际会展中心举行，为期三天。")
    spans = candidates(sent, q)
    span_features(q, spans, {"博览会": 1.0, "举行": 1.0})
    by_text = {sp.text: dict(zip(SPAN_FEATURES, sp.features, strict=True)) for sp in spans}
    place = by_text["国际会展中心"]
    assert place["right_match"] == 2  # "举行" follows the span at once
    # the question's text before "在哪里" ends one character before the span ("博览会|在|国际…"): near, not adjacent
    assert place["left_match"] == 0 and place["left_match_near"] == 3
    assert place["chars_in_question"] == 1 / 6  # of its six characters only 会 is in the question
    assert place["term_distance"] == 0  # "举行" right after it
    whole = by_text["第五届博览会在国际会展中心举行"]
    assert whole["question_terms_inside"] == 1.0  # both question terms inside


def test_no_candidate_span_cuts_a_written_number() -> None:
    q = analyse("这轮强降雨造成多少人受灾？")
    texts = {sp.text for sp in candidates(_sentence("此次强降雨已造成9.3万人受灾，约3万6千户受损。"), q)}
    assert "9.3万人" in texts and "3万6千户" in texts
    assert not texts & {"3万人", ".3万人", "3万", "6千户", "万6千户", "9."}
