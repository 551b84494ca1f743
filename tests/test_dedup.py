"""Near-duplicate detection: exact copies, edited copies, and different stories that must stay apart."""

from __future__ import annotations

from retrieval.dedup import DUPLICATE_THRESHOLD, DuplicateIndex, exact_key, jaccard
from tests.newsfixtures import story


def test_exact_copies_ignore_punctuation_width_and_spacing() -> None:
    assert exact_key("今天，ＡＢＣ公司 发布了 新产品。") == exact_key("今天,abc公司发布了新产品.")
    assert exact_key("今天发布了新产品") != exact_key("明天发布了新产品")


def test_edited_copy_found_different_story_not() -> None:
    index = DuplicateIndex()
    texts = {n: story(n)[1] for n in range(30)}
    for n, text in texts.items():
        index.add(f"a{n}", text)
    original = texts[3]
    edited = "（海州晚报讯）" + original.replace("介绍", "表示", 2)[: int(len(original) * 0.85)] + "（完）"
    assert jaccard(original, edited) >= DUPLICATE_THRESHOLD
    match = index.find(edited)
    assert match is not None and match.key == "a3" and not match.exact
    exact = index.find(original.replace("，", ", "))
    assert exact is not None and exact.exact and exact.key == "a3"
    assert index.find(story(99)[1]) is None, "a different story on the same kind of topic"
    index.remove("a3")
    assert index.find(edited) is None and len(index) == 29
