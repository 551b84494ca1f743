"""Eval metrics on a tiny hand-checked QA file with a scripted engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.evaluation import (
    format_table,
    load_qa,
    normalize,
    percentile,
    run_eval,
    short_answer_ok,
)
from retrieval.models import Answer, Chunk, Hit


def hit(text: str) -> Hit:
    return Hit(chunk=Chunk(article_id="a", ord=0, text=text, start=0, end=len(text)), score=1.0)


class ScriptedEngine:
    """Returns prepared hits and answers per question."""

    def __init__(self, script: dict[str, tuple[list[str], Answer]]) -> None:
        self.script = script

    def search(self, question: str, k: int = 5) -> list[Hit]:
        return [hit(t) for t in self.script[question][0][:k]]

    def ask(self, question: str) -> Answer:
        return self.script[question][1]


def ans(q: str, answer: str = "", evidence: list[str] | None = None, answered: bool = True) -> Answer:
    return Answer(question=q, answered=answered, answer=answer, evidence=evidence or [])


@pytest.fixture
def qa_file(tmp_path: Path) -> Path:
    lines = [
        {"question": "q1", "answers": ["李明"]},
        {"question": "q2", "answers": ["8月3日"]},
        {"question": "q3", "answers": ["滨江"]},
        {"question": "q4", "answers": ["星河科技"]},
        {"question": "u1", "answers": [], "unanswerable": True},
        {"question": "u2", "answers": [], "unanswerable": True},
    ]
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n", encoding="utf-8")
    return path


def test_metrics_hand_checked(qa_file: Path) -> None:
    engine = ScriptedEngine(
        {
            # retrieved top-1, evidence first, short answer: all correct
            "q1": (["市长李明出席。", "其他"], ans("q1", "李明", ["市长李明出席。"])),
            # top-1 misses, top-2 has it; evidence wrong; answer is the whole long sentence (too long)
            "q2": (
                ["无关", "会议于8月3日举行。"],
                ans("q2", "会议于8月3日在滨江市国际会展中心隆重举行并持续三天", ["无关"]),
            ),
            # nothing retrieved contains it, and the system refused: a false refusal
            "q3": (["无关"], ans("q3", answered=False)),
            # retrieved at rank 6 only (outside @5); evidence right; answer right
            "q4": (["a", "b", "c", "d", "e", "星河科技"], ans("q4", "星河科技", ["参观了星河科技。"])),
            "u1": (["无关"], ans("u1", answered=False)),  # correct refusal
            "u2": (["无关"], ans("u2", "胡说", ["无关"])),  # answered an unanswerable question
        }
    )
    report = run_eval(engine, load_qa(qa_file))
    assert (report.n, report.answerable, report.unanswerable) == (6, 4, 2)
    assert report.recall_at_1 == pytest.approx(1 / 4)
    assert report.recall_at_5 == pytest.approx(2 / 4)
    assert report.evidence_at_1 == pytest.approx(2 / 4)
    assert report.answer_accuracy == pytest.approx(2 / 4)
    assert report.answered_rate == pytest.approx(3 / 4)
    assert report.refusal_precision == pytest.approx(1 / 2)  # refused q3 (wrong) and u1 (right)
    assert report.refusal_recall == pytest.approx(1 / 2)
    assert report.false_refusals == 1
    assert report.em == pytest.approx(2 / 4)  # q1 and q4 exact; q2 too long; q3 refused
    assert report.f1 == pytest.approx((1 + 2 * (4 / 26) / (1 + 4 / 26) + 0 + 1) / 4)  # q2: 4 of its 26 tokens
    assert report.by_kind["other"]["answerable"] == 4 and report.by_kind["other"]["unanswerable"] == 2
    table = format_table(report)
    assert "evidence@1" in table and "50.0%" in table and "EM (MRC benchmark script)  50.0%" in table
    assert "answer configuration" not in table
    report.answer_config = {"refusal_threshold": 0.25, "sentences_for_spans": 3}
    assert "answer configuration: refusal_threshold=0.25, sentences_for_spans=3" in format_table(report)
    data = json.loads(report.model_dump_json())
    assert data["false_refusals"] == 1 and len(data["items"]) == 6


def test_short_answer_rule() -> None:
    assert short_answer_ok("李明", ["李明"])
    assert short_answer_ok("市长李明", ["李明"])
    assert not short_answer_ok("市长李明出席了今天上午在滨江举行的会议", ["李明"])  # > gold + 10
    assert short_answer_ok("“高原明珠”。", ["高原明珠"])  # punctuation does not decide
    assert not short_answer_ok("", ["李明"])


def test_normalize_and_percentile() -> None:
    assert normalize("Ａ，Ｂ  c。") == "abc"
    assert percentile([3.0, 1.0, 2.0, 4.0], 50) == 2.0
    assert percentile([3.0, 1.0, 2.0, 4.0], 95) == 4.0
    assert percentile([], 50) == 0.0


def test_load_qa_rejects_items_without_answers(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "q", "answers": []}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="unanswerable"):
        load_qa(bad)


def test_bundled_sample_qa_file_is_well_formed() -> None:
    path = Path(__file__).resolve().parent.parent / "data" / "eval" / "sample_qa.jsonl"
    items = load_qa(path)
    assert len(items) >= 30
    assert sum(i.unanswerable for i in items) >= 5
    assert any(i.question.isascii() for i in items)


def test_em_and_f1_follow_the_cmrc_script() -> None:
    from retrieval.evaluation import exact_match, f1_score

    assert exact_match("《八篇书》", ["八篇书"])  # punctuation does not decide
    assert not exact_match("八篇", ["八篇书"])
    assert f1_score("8月27日", ["8月27日"]) == 1.0
    # CJK characters are tokens: 2 of 3 gold characters, 2 of 2 predicted -> P 1, R 2/3
    assert abs(f1_score("八篇", ["八篇书"]) - 0.8) < 1e-9
    # a run of Latin letters or digits is one token
    assert f1_score("2022年", ["2021年"]) == 2 * 0.5 * 0.5 / 1.0
    assert f1_score("", ["x"]) == 0.0


def test_short_answer_allows_at_most_twice_the_gold_or_ten_more_characters() -> None:
    from retrieval.evaluation import short_answer_ok

    assert short_answer_ok("广州市天河区", ["广州"])
    assert not short_answer_ok("会议在广州市天河区的国际会展中心隆重举行并圆满闭幕", ["广州"])
