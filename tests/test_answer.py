"""Answer extraction end to end on small articles written for the tests: typed answers, lists, metadata, refusals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from retrieval.answer import answer_question
from retrieval.models import Answer, Article, Chunk, Hit
from retrieval.text import split_sentences

ZH = Article(
    id="zh1",
    title="滨江市举办第五届数字经济博览会",
    url="https://news.example.com/binjiang/expo",
    published="2024-11-06",
    source="滨江日报",
    author="林晓",
    text=(
        "11月3日至5日，第五届数字经济博览会在滨江市国际会展中心举行。"
        "滨江市市长周明远出席开幕式并致辞。"
        "本届博览会共吸引320家企业参展，观众超过12万人次。\n"
        "开幕当天，主办方发布了《滨江市数字经济发展白皮书》。"
        "展会期间，参观团分为两路。"
        "第一路考察了星河科技、蓝海数据、云帆智能等企业。"
        "博览会还设立了人工智能、工业互联网和智慧城市三个专题展区。"
        "多位专家在论坛上作了主题演讲。"
        "第二路考察了青禾电子、远航软件和北辰机器人等企业。\n"
        "此外，滨江大学与星河科技签署了人才培养合作协议。"
        "据介绍，下一届博览会将于2025年在滨江市举行。"
    ),
)

EN = Article(
    id="en1",
    title="Harbor City opens new metro line",
    url="https://news.example.com/harbor/metro",
    published="2024-03-13",
    source="Harbor Herald",
    text=(
        "Harbor City opened its new Green Line metro on March 12, 2024. "
        "Mayor Linda Park cut the ribbon at Central Station. "
        "The line cost 2.4 billion dollars and has 18 stations. "
        "The project was built by Northbridge Engineering Ltd. "
        "Officials said the line will carry 90,000 passengers a day."
    ),
)


def chunk(article: Article, size: int = 60) -> list[Chunk]:
    """Whole sentences, about `size` characters, consecutive chunks sharing one sentence (like the indexer)."""
    spans = list(split_sentences(article.text))
    out: list[Chunk] = []
    i = 0
    while i < len(spans):
        j = i + 1
        while j < len(spans) and spans[j][1] - spans[i][0] <= size:
            j += 1
        s, e = spans[i][0], spans[j - 1][1]
        out.append(Chunk(article_id=article.id, ord=len(out), text=article.text[s:e], start=s, end=e))
        if j >= len(spans):
            break
        i = j - 1 if j - 1 > i else j
    return out


class MemoryCorpus:
    """The Corpus protocol over articles held in memory, with a tiny overlap-based search for the tests."""

    def __init__(self, articles: list[Article]) -> None:
        self._articles = {a.id: a for a in articles}
        self._chunks = {a.id: chunk(a) for a in articles}

    def article(self, article_id: str) -> Article:
        return self._articles[article_id]

    def chunks_of(self, article_id: str) -> list[Chunk]:
        return self._chunks[article_id]

    def articles(self) -> list[Article]:
        return list(self._articles.values())

    def search(self, question: str, k: int = 8) -> list[Hit]:
        """Character-bigram (Chinese) and word (English) overlap; enough to rank these small articles."""
        q = question.lower()
        grams = {q[i : i + 2] for i in range(len(q) - 1)} | set(re.findall(r"[a-z]{3,}", q))
        scored = []
        for chunks in self._chunks.values():
            for c in chunks:
                text = c.text.lower()
                score = float(sum(1 for g in grams if g in text))
                scored.append(Hit(chunk=c, score=score, lexical=score))
        scored.sort(key=lambda h: h.score, reverse=True)
        return scored[:k]

    def ask(self, question: str):
        return answer_question(question, self.search(question), self)


@pytest.fixture(scope="module")
def corpus() -> MemoryCorpus:
    return MemoryCorpus([ZH, EN])


@pytest.mark.parametrize(
    ("question", "expected", "kind"),
    [
        ("谁出席开幕式并致辞？", "周明远", "who"),
        ("第五届数字经济博览会什么时候举行？", "11月3日至5日", "when"),
        ("本届博览会共吸引多少家企业参展？", "320家", "number"),
        ("主办方发布了什么白皮书？", "滨江市数字经济发展白皮书", None),
        ("下一届博览会将于哪一年举行？", "2025年", "when"),
    ],
)
def test_typed_answers_are_short_and_backed_by_evidence(corpus: MemoryCorpus, question: str, expected: str, kind):
    ans = corpus.ask(question)
    assert ans.answered
    assert expected in ans.answer
    assert len(ans.answer) <= len(expected) + 10  # a few words, not the sentence
    assert expected in ans.evidence[0]
    assert ans.evidence[0] in ZH.text  # verbatim
    assert ans.sources[0].article_id == "zh1"
    if kind:
        assert ans.kind == kind


def test_where_answer_names_the_place(corpus: MemoryCorpus):
    ans = corpus.ask("第五届数字经济博览会在哪里举行？")
    assert ans.answered and "滨江市" in ans.answer
    assert len(ans.answer) <= 15


def test_list_gathers_items_from_every_relevant_sentence_in_source_order(corpus: MemoryCorpus):
    ans = corpus.ask("参观团考察了哪些企业？")
    assert ans.answered and ans.kind == "list"
    items = ["星河科技", "蓝海数据", "云帆智能", "青禾电子", "远航软件", "北辰机器人"]
    positions = [ans.answer.find(i) for i in items]
    assert all(p >= 0 for p in positions), ans.answer
    assert positions == sorted(positions)  # source order
    assert ans.answer.count("星河科技") == 1  # de-duplicated
    # the two groups come from sentences in different chunks, and both are cited as evidence
    assert any("第一路" in e for e in ans.evidence) and any("第二路" in e for e in ans.evidence)
    first = next(c for c in corpus.chunks_of("zh1") if "第一路" in c.text)
    second = next(c for c in corpus.chunks_of("zh1") if "第二路" in c.text)
    assert first.ord != second.ord


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("这篇文章是什么时候发布的？", "2024-11-06"),
        ("这篇报道的来源是哪家媒体？", "滨江日报"),
        ("这篇文章的作者是谁？", "林晓"),
        ("这篇新闻的原文链接是什么？", "https://news.example.com/binjiang/expo"),
        ("这篇报道的标题是什么？", "滨江市举办第五届数字经济博览会"),
    ],
)
def test_metadata_questions_are_answered_from_article_fields(corpus: MemoryCorpus, question: str, expected: str):
    hits = corpus.search("数字经济博览会")  # the article the conversation is about
    ans = answer_question(question, hits, corpus)
    assert ans.answered and ans.answer == expected
    assert ans.kind.startswith("meta_")
    src = ans.sources[0]
    assert (src.title, src.source, src.published, src.url) == (ZH.title, ZH.source, ZH.published, ZH.url)


@pytest.mark.parametrize(
    "question",
    ["火星探测器什么时候发射？", "滨江市的GDP是多少？", "What is the population of Tokyo?"],
)
def test_refuses_questions_the_articles_do_not_answer(corpus: MemoryCorpus, question: str):
    ans = corpus.ask(question)
    assert not ans.answered
    assert ans.answer == ""


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Who cut the ribbon at Central Station?", "Linda Park"),
        ("When did Harbor City open the Green Line?", "March 12, 2024"),
        ("How many stations does the line have?", "18"),
        ("Which company built the project?", "Northbridge Engineering"),
    ],
)
def test_english_questions_on_an_english_article(corpus: MemoryCorpus, question: str, expected: str):
    ans = corpus.ask(question)
    assert ans.answered, question
    assert expected in ans.answer
    assert len(ans.answer) <= len(expected) + 12
    assert ans.sources[0].article_id == "en1"


def test_no_hits_means_refusal(corpus: MemoryCorpus):
    ans = answer_question("谁出席开幕式并致辞？", [], corpus)
    assert not ans.answered and ans.sources == []


def test_json_contract_fields(corpus: MemoryCorpus):
    data = corpus.ask("谁出席开幕式并致辞？").contract()
    assert list(data) == ["question", "answered", "answer", "evidence", "sources"]
    assert set(data["sources"][0]) == {"article_id", "title", "url", "published", "source", "text", "score"}  # type: ignore[index]


def test_descriptive_answers_span_their_sentence_and_typed_answers_stay_tight() -> None:
    art = Article(
        id="d1",
        title="青石镇",
        text="青石镇位于山区。1998年，青石镇修建了第一座水库。全镇海拔500米至900米。",
        published="2024-01-01",
    )
    c = MemoryCorpus([art])
    # an unaligned what-question: the answer is the event's whole clause (not a word of it), and the evidence shown
    # beside it is the sentence, with its time
    what = c.ask("1998年青石镇发生了什么？")
    assert what.answer in ("1998年，青石镇修建了第一座水库", "青石镇修建了第一座水库")
    assert what.evidence[0] == "1998年，青石镇修建了第一座水库。"
    rng = c.ask("青石镇的海拔是多少米？")
    assert "500米至900米" in rng.answer


def test_english_terms_weigh_by_rarity_so_an_absent_attribute_of_the_topic_is_refused() -> None:
    art = Article(
        id="en2",
        title="Lakeview opens library",
        text=(
            "Lakeview opened a new public library on Monday. The Lakeview library holds 40,000 books. "
            "Lakeview mayor Tom Reed opened the building. The library cost 12 million dollars. "
            "Lakeview plans a second branch in 2026."
        ),
        published="2024-05-01",
    )
    c = MemoryCorpus([art])
    # "Lakeview" and "library" are the topic (in most sentences); "librarian" is in none: not answered
    assert not c.ask("Who is the librarian of the Lakeview library?").answered
    assert not c.ask("What is the population of Lakeview?").answered
    ans = c.ask("How many books does the library hold?")
    assert ans.answered and "40,000" in ans.answer


def test_who_answer_from_the_neighbouring_sentence_that_completes_the_question() -> None:
    art = Article(
        id="m1",
        title="两市合作会议",
        text="5月6日上午，两市在江州举行跨江合作推进会议。江州市委书记陈立新主持会议并讲话。会议听取了合作进展汇报。",
        published="2024-05-06",
    )
    ans = MemoryCorpus([art]).ask("谁主持了跨江合作推进会议？")
    assert ans.answered
    assert "陈立新" in ans.answer
    assert len(ans.answer) <= len("陈立新") + 10
    assert "陈立新" in ans.evidence[0]


def test_a_list_answered_by_typed_extraction_spans_its_whole_enumeration() -> None:
    art = Article(
        id="p1",
        title="青木",
        text="青木是一种常绿乔木。分布在泰国、越南、老挝以及中国大陆的云南、广西、贵州等地，生长于山坡林中。",
        published="2024-01-01",
    )
    ans = MemoryCorpus([art]).ask("青木分布在哪些地区？")
    assert ans.answered
    assert "泰国" in ans.answer and "贵州" in ans.answer


TRAD = Article(
    id="tw1",
    title="臺灣鐵路新線通車",
    text="新竹至苗栗的鐵路新線於3月1日正式通車。交通部長林志明出席通車典禮並致詞。新線全長42公里，設有6個車站。",
    published="2024-03-02",
)


def test_traditional_question_matches_a_simplified_article_and_gets_the_same_answer(corpus: MemoryCorpus) -> None:
    simp = corpus.ask("谁出席开幕式并致辞？")
    trad = corpus.ask("誰出席開幕式並致辭？")
    assert trad.answered and trad.answer == simp.answer
    assert trad.evidence[0] == simp.evidence[0]  # shown as the article writes it


def test_answers_from_a_traditional_article_stay_in_its_script() -> None:
    c = MemoryCorpus([TRAD])
    for question in ("誰出席通車典禮並致詞？", "谁出席通车典礼并致词？"):
        ans = c.ask(question)
        assert ans.answered and "林志明" in ans.answer, question
        assert ans.evidence[0] in TRAD.text  # verbatim, Traditional characters
    n = c.ask("新線設有幾個車站？")
    assert n.answered and "6" in n.answer and n.evidence[0] in TRAD.text


def test_chinese_punctuation_is_quoted_as_written() -> None:
    from retrieval.articles import normalize_text

    text = normalize_text("会后，市长张华主持会议：强调三点（完）？ＡＢＣ１２３")
    assert "，" in text and "：" in text and "（" in text and "ABC123" in text
    named = normalize_text("移工阿迪．蘇普里亞托與組合李明／王強")
    assert "．" in named and "／" in named  # a transliterated name's dot and a pair's slash as written


def test_a_question_pointed_at_the_article_is_answered_as_the_plain_question(tmp_path: Path, embedder: object) -> None:
    from helpers import make_engine, write_jsonl

    story = {
        "id": "bridge",
        "title": "石湾大桥建成通车",
        "text": "6月18日上午，石湾大桥正式建成通车。大桥全长2.6公里，总投资约18亿元。"
        "通车仪式在石湾镇举行，市长周明远宣布大桥通车。大桥由市交通建设集团承建，历时三年完工。",
    }
    write_jsonl(tmp_path / "articles" / "bridge.jsonl", [story])
    engine = make_engine(tmp_path, embedder)
    engine.reindex()
    for plain, framed in [
        ("谁宣布大桥通车？", "根据文章，谁宣布大桥通车？"),
        ("大桥由哪家企业承建？", "这篇报道中，大桥由哪家企业承建？"),
        ("通车仪式在哪里举行？", "文章提到的通车仪式在哪里举行？"),
        ("谁宣布大桥通车？", "邊個宣布大橋通車？"),  # Cantonese, as Hong Kong users type it
        ("大桥总投资多少？", "大橋總投資幾多？"),
    ]:
        want, got = engine.ask(plain), engine.ask(framed)
        assert want.answered and (got.answer, got.evidence) == (want.answer, want.evidence), framed
        assert got.question == framed  # the reply quotes the question as the user wrote it


def test_every_evidence_sentence_comes_from_the_article_it_is_quoted_under(tmp_path: Path, embedder: object) -> None:
    from helpers import make_engine, write_jsonl

    stories = [
        {"id": "harbor", "title": "Harbor reopens", "text": "The harbor reopened on Monday after repairs. "
         "Workers rebuilt the pier on Monday night. The repairs cost 4 million dollars."},
        {"id": "council", "title": "Budget vote", "text": "The council met on Monday to vote on the budget. "
         "The budget passed on Monday by seven votes to two."},
        {"id": "港口", "title": "港口重新开放", "text": "港口于周一重新开放。周一晚上工人重建了码头。"
         "修复工程耗资四百万元。"},
        {"id": "议会", "title": "预算表决", "text": "议会周一开会表决预算。预算于周一以七票对两票通过。"},
    ]  # fmt: skip
    write_jsonl(tmp_path / "articles" / "news.jsonl", stories)
    engine = make_engine(tmp_path, embedder)
    engine.reindex()
    texts = {s["title"]: s["text"] for s in stories}
    for question in ("What happened on Monday?", "What was done on Monday?", "周一发生了什么？", "周一做了什么？"):
        answer = engine.ask(question)
        if answer.answered:
            own = texts[answer.sources[0].title]
            assert all(e in own for e in answer.evidence), (question, answer.evidence)


def test_an_article_field_is_labelled_in_the_article_s_script(tmp_path: Path, embedder: object) -> None:
    from helpers import make_engine, write_jsonl

    story = {"id": "tw", "title": "高雄港新碼頭啟用", "published": "2026-04-02", "author": "林怡君",
             "text": "高雄港第七貨櫃中心於4月1日正式啟用。新碼頭耗資約六百億元。"}  # fmt: skip
    write_jsonl(tmp_path / "articles" / "tw.jsonl", [story])
    engine = make_engine(tmp_path, embedder)
    engine.reindex()
    answer = engine.ask("這篇報導是哪天發布的？")
    assert answer.answered and answer.answer == "2026-04-02" and answer.evidence == ["發佈時間: 2026-04-02"]
    assert engine.ask("这篇报道是哪天发布的？").evidence == [
        "發佈時間: 2026-04-02"
    ]  # the article's script, not the question's


def test_a_who_answer_ends_with_its_name_not_the_words_after_it() -> None:
    """The reader's span 广东省副省长黄志远当天 ran into the sentence's time word; a name's own last character (覃伟|中
    alone) and a longer rest are kept."""
    from retrieval.answer import _ending_at_the_name
    from retrieval.models import Answer

    def cut(text: str, kind: str = "who") -> str:
        return _ending_at_the_name(Answer(question="q", answered=True, answer=text, kind=kind)).answer

    assert cut("广东省副省长黄志远当天") == "广东省副省长黄志远"
    assert cut("市长刘国华主持") == "市长刘国华"
    assert cut("覃伟中") == "覃伟中"
    assert cut("赵明远、陈立新代表两省签署") == "赵明远、陈立新"  # opening names, then a predicate
    assert cut("赵明远的父亲赵立") == "赵明远的父亲赵立" and cut("赵明远等3人") == "赵明远等3人"
    assert cut("广东省副省长黄志远当天", kind="what") == "广东省副省长黄志远当天"


def test_a_person_asked_is_answered_from_the_name_not_the_questions_own_words_before_it() -> None:
    """副局长叫什么？ answered 市交通局副局长邢台生 repeats the question before the name; 主犯叫什么名字？ answered with
    the whole sentence that opens 主犯周某刚以… is the name; words the question does not hold are kept."""
    from retrieval.answer import _ending_at_the_name, _starting_at_the_name
    from retrieval.models import Answer

    def shaped(question: str, text: str, kind: str = "what") -> str:
        found = Answer(question=question, answered=True, answer=text, kind=kind)
        return _ending_at_the_name(_starting_at_the_name(found)).answer

    assert shaped("市交通局副局长叫什么", "市交通局副局长邢台生") == "邢台生"
    assert shaped("盗窃案的主犯叫什么名字", "主犯周某刚以盗窃罪被判处有期徒刑三年") == "周某刚"
    assert shaped("副局长是谁", "副局长邢台生", kind="who") == "邢台生"
    assert shaped("谁主持会议", "市交通局副局长邢台生", kind="who") == "市交通局副局长邢台生"  # not the question's
    assert shaped("主犯被判了几年", "主犯周某刚以盗窃罪被判处有期徒刑三年", kind="number").startswith("主犯")
    from retrieval.answer import _as_a_person

    named = Answer(question="该基金会叫什么名字", answered=True, answer="陈立军基金会成立于", kind="what")
    assert _as_a_person(named).answer == "陈立军基金会成立于"  # a thing named after a person keeps its name


def test_a_who_answer_of_one_name_in_a_list_names_the_whole_list() -> None:
    """The list is the subject (张志强、陈立军代表两市签署了协议: both signed); a name the question already gives
    (A、B以及谁？) keeps the answer to the one missing; other kinds and names outside a list are left alone."""
    from retrieval.answer import _with_the_list
    from retrieval.models import Answer

    def listed(question: str, text: str, sentence: str, kind: str = "who") -> str:
        found = Answer(question=question, answered=True, answer=text, evidence=[sentence], kind=kind)
        return _with_the_list(found).answer

    signed = "会后，张志强、陈立军代表两市签署了合作协议。"
    assert listed("谁签署了合作协议？", "陈立军", signed) == "张志强、陈立军"
    assert listed("谁签署了合作协議？", "張志強", "會後，張志強、陳立軍代表兩市簽署了合作協議。") == "張志強、陳立軍"
    assert listed("除了张志强还有谁签署了协议？", "陈立军", signed) == "陈立军"
    assert listed("签署协议的是哪一方？", "陈立军", signed, kind="which") == "陈立军"
    assert listed("谁主持会议？", "赵明成", "市长刘国华出席，市委副书记赵明成主持会议。") == "赵明成"
    # a list of posts and names gives the names; a list question too; a question for one post's holder keeps one
    started = "副市长赵丽华、市体育局局长钱志刚为比赛鸣枪。"
    assert listed("谁为比赛鸣枪？", "钱志刚", started) == "赵丽华、钱志刚"
    assert listed("哪些人为比赛鸣枪？", "赵丽华", started, kind="list") == "赵丽华、钱志刚"
    assert listed("市体育局局长是谁？", "钱志刚", started) == "钱志刚"
    # a question that singles out one member by words of its own post asks for that one
    assert listed("哪位副市长为比赛鸣枪？", "赵丽华", started) == "赵丽华"
    assert listed("谁代表甲方签字？", "张志强", "甲方代表张志强、乙方代表陈立军签字。") == "张志强"
    # a pair written with a slash, under one shared description (not one member's post)
    pair = "男双方面，本队组合周立言/陈家豪在决赛落败，拿下亚军。"
    assert listed("拿下亚军的本队组合是哪两位？", "周立言", pair) == "周立言/陈家豪"


def test_a_name_in_traditional_characters_is_read_whole() -> None:
    """jieba's dictionary is Simplified: 潘國|樑 as written, 潘国梁 folded; the who-answer keeps the whole name."""
    from retrieval.answer import _ending_at_the_name
    from retrieval.models import Answer

    said = Answer(question="誰宣布了計劃？", answered=True, answer="潘國樑表示", kind="who")
    assert _ending_at_the_name(said).answer == "潘國樑"


def test_a_list_question_is_answered_with_the_list_and_a_figure_of_another_measure_is_refused() -> None:
    art = Article(
        id="m1",
        title="青峰大桥开工",
        text=(
            "青峰大桥今天开工。大桥全长约11公里，预计2028年建成通车。"
            "大桥建成后，沿线的东山、西岭、南坪3县将缩短通行时间。"
        ),
        published="2026-11-02",
    )
    c = MemoryCorpus([art])
    listed = c.ask("大桥建成后哪几个县将缩短通行时间？")
    assert listed.answered and listed.answer == "东山、西岭、南坪"


def test_a_figure_of_another_measure_is_no_answer(tmp_path: Path, embedder: object) -> None:
    from helpers import indexed_engine

    text = (
        "青峰大桥二期工程昨天完工。市府在江滨路举行启用典礼，副市长韩书琴出席。工程自2023年5月动工，历时约3年，"
        "主要内容包括拓宽桥面、加固桥墩，以及新增6.5公里长的自行车道。韩书琴表示，完工后大桥通行能力提升至每小时"
        "8000辆，可服务沿线约3万户居民。交通局说明，二期工程总经费12.4亿元，由中央与地方共同分担。"
        "市府规划的三期工程将延伸约9公里，目前正进行环境影响评估。"
    )
    engine = indexed_engine(tmp_path, [{"id": "bridge", "title": "青峰大桥二期工程完工", "text": text}], embedder)
    # the third phase's cost is not written: its length (the reader's pick, 9公里) is no answer to it
    assert not engine.ask("三期工程预算是多少？").answered
    assert not engine.ask("三期工程要花多少钱？").answered


def test_a_figure_of_another_measure_gives_way_to_the_evidences_figure_of_the_measure_asked() -> None:
    """A count (46趟) read for a fare: the one money figure of the same sentence is the answer, not a refusal."""
    from retrieval.measures import mismatched, the_measure_asked

    sentence = "新图在东港站至西湾站间试行公交化开行，全天开行城际列车46趟，票价维持不变，仍为每人次17元。"
    assert mismatched("东港到西湾的城际票价多少？", "46趟")
    assert the_measure_asked("东港到西湾的城际票价多少？", sentence) == "17元"
    art = Article(id="rail", title="城际列车公交化开行", text="本报讯 " + sentence)
    answer = MemoryCorpus([art]).ask("东港到西湾的城际票价多少？")
    assert answer.answered and "17元" in answer.answer, answer.answer


def test_a_count_of_people_is_not_answered_with_a_count_of_things() -> None:
    from retrieval.measures import mismatched

    assert mismatched("一共出动了多少扑火人员？", "310余台")
    assert mismatched("来了几名游客？", "42架次")
    assert not mismatched("一共出动了多少扑火人员？", "逾2300人")
    assert not mismatched("有几个城市人口超过十万？", "6座")  # 人口 is no person counted


def test_a_question_for_the_figure_a_change_reached_is_answered_with_it() -> None:
    art = Article(
        id="r1",
        title="青河整治工程完工",
        text="青河整治工程昨天完工。完工后，青河防洪标准由原本的20年重现期提升至100年重现期，可保护约3万户居民。",
        published="2026-11-02",
    )
    answer = MemoryCorpus([art]).ask("青河防洪标准提高到多少？")
    assert answer.answered and answer.answer.startswith("100年")


def test_the_reader_s_best_span_of_the_kind_asked_answers_where_its_best_is_of_another_kind() -> None:
    from retrieval.answer import _of_the_kind
    from retrieval.reader import Read

    texts = ["记者在湿地拍到3只白鹭。", "观鸟者于4月9日清晨在湿地拍到白鹭。"]
    count = Read(texts[0].index("3只"), texts[0].index("白鹭"), 5.0)  # the reader's best: a count
    date = Read(texts[1].index("4月9日"), texts[1].index("在湿地"), 2.0)
    place = Read(texts[1].index("湿地"), texts[1].index("拍到"), 3.0)
    found = _of_the_kind("when", "啥时候拍到的？", [[count], [place, date]], texts)
    assert found is not None and found[0] == 1 and found[2] == "4月9日清晨"
    assert _of_the_kind("when", "啥时候拍到的？", [[count], [place]], texts) is None  # no time read: none
    birds = Read(texts[0].index("白鹭"), texts[0].index("。"), 4.0)
    found = _of_the_kind("number", "拍到了多少只？", [[birds, count]], texts[:1])
    assert found is not None and found[2] == "3只"  # the count, not the better-scored bird


def test_a_when_answer_said_as_today_names_the_day_of_the_report_s_dateline() -> None:
    text = (
        "本报江城5月6日电（记者 王某）今天上午9时，江城新机场正式投入使用，首个航班从北京飞抵。"
        "新机场总投资120亿元，设计年旅客吞吐量1500万人次。"
    )
    corpus = MemoryCorpus([Article(id="a1", title="江城新机场投用", text=text, published="2025-05-07")])
    found = corpus.ask("江城新机场什么时候投入使用？")
    assert found.answered and found.answer.startswith("5月6日") and "今天" not in found.answer  # printed a day later
    assert "今天上午9时" in found.evidence[0]  # the evidence as written


def test_a_clause_answering_how_many_is_cut_to_its_one_figure_with_the_thing_counted() -> None:
    from retrieval.answer import _shaped

    sentence = "警方通报，该团伙的受害人来自全国23个省份，涉案金额巨大。"
    found = Answer(
        question="受害人来自多少个省份？",
        answered=True,
        answer="受害人来自全国23个省份",
        evidence=[sentence],
        kind="number",
    )
    assert _shaped("受害人来自多少个省份？", found).answer == "23个省份"
    found = found.model_copy(update={"answer": "该团伙的受害人来自全国23个省份，涉案金额巨大"})
    assert _shaped("受害人来自多少个省份？", found).answer == "23个省份"
    who = Answer(question="谁是几内亚的新总统？", answered=True, answer="现年41岁的某甲出任几内亚新总统", kind="who")
    who = who.model_copy(update={"evidence": ["现年41岁的某甲出任几内亚新总统。"]})
    assert _shaped("谁是几内亚的新总统？", who).answer == who.answer  # 几 of 几内亚 asks no count


def test_an_answer_is_judged_of_its_kind_as_it_will_be_shaped() -> None:
    from retrieval.answer import _of_its_kind

    asked = "谁签署了框架协议？"
    assert _of_its_kind("who", asked, "张志强、陈立军代表两市签署了《建立更加紧密的对口协作关系的框架协议》")  # names
    assert not _of_its_kind("who", asked, "比赛中，外籍选手约书亚·切鲁以")  # a clause's pieces: re-picked
    assert not _of_its_kind("who", asked, "3万人")
    assert not _of_its_kind("when", "展览什么时候开幕？", "旧城光影节")
    assert _of_its_kind("number", "有多少人？", "旧城光影节")  # no re-pick for number questions
