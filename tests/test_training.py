"""The answer models: the shipped files load and agree with the code; training runs end to end, deterministically."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.answer_model import MODEL_VERSION, AnswerModel, default_model
from retrieval.reading import SENTENCE_FEATURES, SPAN_FEATURES
from retrieval.training import assign_folds, load_squad, span_label, train


def test_shipped_model_loads_and_records_how_it_was_trained() -> None:
    model = default_model()
    meta = model.meta
    assert meta["version"] == MODEL_VERSION
    assert meta["features"]["sentence"] == list(SENTENCE_FEATURES)
    assert meta["features"]["span"] == list(SPAN_FEATURES)
    assert 0.0 < model.config.refusal_threshold < 1.0
    names = {d["file"] for d in meta["training_data"]}
    assert names == {"cmrc2018_trial.json", "drcd_test.json"}  # public data only, never data/eval or tests
    assert meta["fold_unit"] == "document title" and meta["folds"] >= 2
    assert meta["cross_validated"]["all"]["questions"] > 4000


def _squad(path: Path) -> None:
    """A tiny SQuAD-format set written for this test: one fact per paragraph, several documents."""
    towns = ["青石镇", "白沙村", "红岩乡", "绿水县", "金山市", "银湖区", "东坡镇", "西岭村"]
    people = ["陈立新", "王海燕", "刘建国", "张晓明", "李红梅", "赵志强", "孙丽华", "周文博"]
    years = ["1998年", "2003年", "1987年", "2011年", "1995年", "2008年", "2016年", "1979年"]
    data = []
    for n, (town, person, year) in enumerate(zip(towns, people, years, strict=True)):
        ctx = (
            f"{town}位于山区。{year}，{town}修建了第一座水库。"
            f"{person}担任{town}镇长，主持了水库的建设。全镇有{n + 3}个村。"
        )
        qas = [
            {"id": f"{n}-1", "question": f"{town}的第一座水库是哪一年修建的？", "answers": [{"text": year}]},
            {"id": f"{n}-2", "question": f"谁担任{town}镇长？", "answers": [{"text": person}]},
            {"id": f"{n}-3", "question": f"{town}有几个村？", "answers": [{"text": f"{n + 3}个村"}]},
        ]
        data.append({"title": town, "paragraphs": [{"id": f"p{n}", "context": ctx, "qas": qas}]})
    path.write_text(json.dumps({"version": "t", "data": data}, ensure_ascii=False), encoding="utf-8")


def test_folds_split_by_document_never_by_question(tmp_path: Path) -> None:
    _squad(tmp_path / "tiny_set.json")
    _arts, items = load_squad(tmp_path / "tiny_set.json", "tiny")
    assign_folds(items, folds=4)
    by_doc: dict[str, set[int]] = {}
    for it in items:
        by_doc.setdefault(it.group, set()).add(it.fold)
    assert all(len(f) == 1 for f in by_doc.values())
    assert len({f for fs in by_doc.values() for f in fs}) == 4


def test_span_labels_grade_by_overlap_with_the_gold() -> None:
    assert span_label("1998年", ["1998年"]) == 4
    assert span_label("1998", ["1998年"]) == 2  # one of two gold tokens: F1 2/3
    assert span_label("修建了第一座水库", ["1998年"]) == 0


@pytest.mark.timeout(600)
def test_training_writes_loadable_models_and_is_deterministic(tmp_path: Path) -> None:
    _squad(tmp_path / "tiny_set.json")
    runs = []
    for n in range(2):
        out = tmp_path / f"model{n}"
        meta = train([tmp_path / "tiny_set.json"], out, tmp_path / "work", folds=2)
        runs.append((out / "span.txt").read_text(encoding="utf-8"))
        model = AnswerModel(out)
        assert model.meta["cross_validated"]["all"]["questions"] == 24
        assert meta["training_data"][0]["questions"] == 24
    strip = [r.split("\nparameters:")[0] for r in runs]
    assert strip[0] == strip[1]


def test_a_gold_sentence_ranked_low_trains_the_span_ranker_but_never_answers(tmp_path: Path) -> None:
    """Training adds the spans of a gold sentence ranked below the top ones (the span ranker learns from them);
    out-of-fold answers and the answerability model see only the spans answering would see (Item.visible)."""
    from retrieval.training import SENTENCES_FOR_SPANS, _make_spans, collect, contains, index_set

    _squad(tmp_path / "tiny_set.json")
    arts, items = load_squad(tmp_path / "tiny_set.json", "tiny")
    asked = collect(index_set(arts, tmp_path / "work"), items[:3], negatives=0.0)
    it = next(i for i in asked if i.prepared and len(i.prepared.sentences) > SENTENCES_FOR_SPANS)
    assert it.prepared is not None
    for n, s in enumerate(it.prepared.sentences):  # the gold sentence ranked last
        s.score = -1.0 if contains(s.text, it.answers) else float(100 - n)
    _make_spans(it, training=True)
    assert 0 < it.visible < len(it.spans)
    assert all(contains(sp.sentence.text, it.answers) for sp in it.spans[it.visible :])
    assert not any(contains(sp.sentence.text, it.answers) for sp in it.spans[: it.visible])
    _make_spans(it, training=False)
    assert it.visible == len(it.spans)
