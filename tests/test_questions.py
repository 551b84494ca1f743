"""Question classification: kinds in Chinese and English, metadata questions, content terms."""

from __future__ import annotations

import pytest

from retrieval.questions import classify
from retrieval.text import detect_lang


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("谁主持了会议？", "who"),
        ("哪位官员出席了开幕式？", "who"),
        ("博览会什么时候开幕？", "when"),
        ("大桥于何时建成？", "when"),
        ("他是哪一年出生的？", "when"),
        ("会议在哪里举行？", "where"),
        ("代表团访问了哪个国家？", "where"),
        ("他在哪家公司工作？", "org"),
        ("共有多少家企业参展？", "number"),
        ("代表团分为几组？", "number"),
        ("代表团考察了哪些企业？", "list"),
        ("为什么项目推迟了？", "why"),
        ("工厂是如何提高产量的？", "how"),
        ("两省签署了什么协议？", "what"),
        ("她出演了什么电视剧？", "title"),
        ("如今的湖泊被誉为什么？", "what"),  # 为 belongs to the verb, not to 为什么
        ("新规啥时候开始实施", "when"),  # as people type it
        ("合约甚么时候届满？", "when"),  # 甚麼 for 什麼, as folded to Simplified before it is read
        ("展览展到几时", "when"),  # Cantonese 幾時, folded
        ("他到何年紀才退休？", "other"),  # 何年紀 asks an age, not a year
        ("哪一年纪念碑落成？", "when"),  # …but 纪念 is no age
        ("Who opened the bridge?", "who"),
        ("When did the strike end?", "when"),
        ("Where was the summit held?", "where"),
        ("How many people attended?", "number"),
        ("Which companies signed the deal?", "list"),
        ("Which company built the line?", "org"),
        ("Why was the vote delayed?", "why"),
        ("What did the mayor announce?", "what"),
    ],
)
def test_kinds(question: str, kind: str) -> None:
    assert classify(question).kind == kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("这篇文章是什么时候发布的？", "meta_published"),
        ("这篇报道的来源是哪家媒体？", "meta_source"),
        ("这篇文章的作者是谁？", "meta_author"),
        ("这篇新闻的标题是什么？", "meta_title"),
        ("原文链接是什么？", "meta_url"),
        ("When was this article published?", "meta_published"),
        ("Which outlet published this story?", "meta_source"),
        ("Who wrote the article?", "meta_author"),
        ("What is the headline of the article?", "meta_title"),
        ("Give me the link to the article", "meta_url"),
    ],
)
def test_metadata_questions(question: str, kind: str) -> None:
    q = classify(question)
    assert q.kind == kind and q.is_meta


def test_content_questions_about_authors_of_books_are_not_metadata() -> None:
    # "作者" without a reference to this article/report is a content question
    assert not classify("《红楼梦》的作者是谁？").is_meta


def test_terms_drop_question_words_and_keep_dates_whole() -> None:
    q = classify("8月25日李炳国在哪家公司考察？")
    assert "8月25日" in q.terms
    assert not {"哪家", "在", "？"} & set(q.terms)
    assert q.left.endswith("在") and q.right.startswith("公司")
    assert q.head == "公司"


def test_list_head_noun() -> None:
    assert classify("双方在哪些重点领域开展合作？").head == "重点领域"
    assert classify("Which companies signed the deal?").head == "company"


def test_english_terms_are_normalised() -> None:
    q = classify("Which cities did the delegation visit?")
    assert q.lang == "en"
    assert {"city", "delegation", "visit"} <= set(q.terms)


def test_detect_lang() -> None:
    assert detect_lang("谁主持了会议？") == "zh"
    assert detect_lang("Who chaired the meeting?") == "en"
    assert detect_lang("GDP增长了多少？") == "zh"


def test_a_span_cut_inside_a_word_is_widened_to_whole_words() -> None:
    from retrieval.questions import whole_words

    text = "1980年，全斗煥就任大韓民國總統。"
    start = text.index("斗煥")
    assert text[slice(*whole_words(text, start, start + 2))] == "全斗煥"  # Traditional: words of its Simplified form
    assert whole_words(text, 0, 5) == (0, 5)  # already whole: unchanged
    assert whole_words("", 0, 0) == (0, 0)


def test_a_span_cut_inside_an_official_document_number_takes_it_whole() -> None:
    from retrieval.questions import whole_words

    def widened(text: str, read: str) -> str:
        start = text.index(read)
        return text[slice(*whole_words(text, start, start + len(read)))]

    assert widened("省政府要求落实国办发〔2023〕12号文件要求。", "12号文件") == "国办发〔2023〕12号文件"
    assert widened("依据财税〔2019〕13号文，试点继续。", "2019〕13号文") == "财税〔2019〕13号文"
    assert widened("市里印发了粤府〔2021〕5号。", "粤府") == "粤府〔2021〕5号"
    assert widened("市里印发了粤府〔2021〕5号。", "市里") == "市里"  # not touching the number: as it was
    assert widened("这是文件国发〔2022〕2号。", "2号") == "国发〔2022〕2号"  # not 是文件国发…
    assert widened("根据财政部公告财税〔2019〕13号执行。", "13号") == "财税〔2019〕13号"


def test_an_answer_keeps_only_quotes_and_brackets_it_closes() -> None:
    from retrieval.questions import balanced

    assert balanced("四个不摘”") == "四个不摘"  # the opening quote was left outside the span
    assert balanced("“四个不摘") == "四个不摘"
    assert balanced("《长江》") == "《长江》" and balanced("“四个不摘”要求") == "“四个不摘”要求"
    assert balanced("北京（首都） ）") == "北京（首都）"
    assert balanced("”") == "" and balanced("") == ""


def test_a_question_typed_without_its_mark_is_read_as_asked() -> None:
    from retrieval.questions import as_asked

    assert as_asked("贵州省委书记是谁") == "贵州省委书记是谁？"
    assert as_asked("Who chaired the meeting ") == "Who chaired the meeting?"
    for done in ("谁主持了会议？", "What happened?", "告诉我。", ""):
        assert as_asked(done) == done.strip()


def test_words_pointing_the_question_at_the_article_are_dropped() -> None:
    from retrieval.questions import unframed

    framed = {
        "根据文章，谁主持了会议？": "谁主持了会议？",
        "文章提到的会议在哪里举行？": "会议在哪里举行？",
        "這篇報導中，誰主持了會議？": "誰主持了會議？",  # in the question's own script
        "请问会议在哪里举行？": "会议在哪里举行？",
        "据报道，台风造成多少人死亡？": "台风造成多少人死亡？",
        "在这篇文章里提到的公司有哪些？": "公司有哪些？",
        "新闻里说的公司叫什么？": "公司叫什么？",
        "According to the article, who chaired the meeting?": "Who chaired the meeting?",
        "The article says that the port handled how many containers?": "The port handled how many containers?",
        "根据文章，《山城故事》的作者是谁？": "《山城故事》的作者是谁？",  # the book's author, not the article's
        "根据文章，文中提及，大桥何时建成？": "大桥何时建成？",
    }
    for asked, read in framed.items():
        assert unframed(asked) == read, asked
    kept = [
        "新闻发布会在哪里举行？",  # 新闻 is part of the subject
        "新闻中心位于哪里？",
        "这篇文章是哪天发布的？",  # about the article itself: the words are the question
        "文章作者是谁？",
        "文章写了什么？",  # nothing left to ask once the framing goes
        "谁主持了会议？",
        "who chaired the meeting?",
    ]
    for asked in kept:
        assert unframed(asked) == asked, asked


def test_questions_about_a_traditional_article_are_read_as_such() -> None:
    from retrieval.questions import unframed
    from retrieval.reading import analyse

    # Taiwan's 報導 folds to 报导 (not 报道), its 連結 to 连结
    kinds = {
        "這篇報導的作者是誰？": "meta_author",
        "這篇報導是哪天發布的？": "meta_published",
        "原文連結是什麼？": "meta_url",
    }
    for question, kind in kinds.items():
        assert analyse(question).kind == kind, question
        assert unframed(question) == question


def test_verbs_that_contain_a_metadata_word_do_not_make_a_question_about_the_article() -> None:
    from retrieval.reading import analyse

    assert analyse("文章中的芯片是何时研发出来的？").kind == "when"  # 研发出, not 发出 (published)
    assert analyse("这篇文章说的口号来源于哪里？").kind == "where"  # 来源于 (comes from), not the outlet
    assert analyse("这篇文章是什么时候发出的？").kind == "meta_published"
    assert analyse("这篇文章的来源是哪里？").kind == "meta_source"


def test_a_question_that_asks_only_for_a_field_of_the_article_is_about_the_article() -> None:
    from retrieval.reading import analyse

    kinds = {
        "作者是誰？": "meta_author",
        "记者是谁？": "meta_author",
        "來源是哪裡？": "meta_source",
        "出处？": "meta_source",
        "原文链接呢？": "meta_url",
        "Who is the author?": "meta_author",
        "這篇是哪天發布的？": "meta_published",  # 这篇 alone is the article
    }
    for question, kind in kinds.items():
        assert analyse(question).kind == kind, question
    for other in ("《红楼梦》的作者是谁？", "这位记者是谁？", "Who is the author of Hamlet?"):  # someone else's
        assert not analyse(other).is_meta, other


def test_a_span_is_not_widened_over_a_word_that_jieba_glued_one_of_its_characters_to() -> None:
    """jieba cuts 陈立军代表 as 陈立 / 军代表: a span read up to 军 keeps its end rather than taking 代表 too, while a
    span cut inside a longer word (德国 of 纳粹德国) is still widened."""
    from retrieval.questions import tokens, whole_words

    text = "会后,赵明远、陈立军代表两市签署了合作协议。"
    assert "军代表" in tokens(text)  # the premise: jieba glues 军 to 代表
    start = text.index("赵明远")
    end = text.index("代表")
    assert text[slice(*whole_words(text, start, end))] == "赵明远、陈立军"
    other = "他们反对纳粹德国的扩张。"
    at = other.index("德国")
    assert other[slice(*whole_words(other, at, at + 2))] == "纳粹德国"


def test_a_span_cut_inside_a_written_number_takes_it_whole() -> None:
    from retrieval.questions import whole_words

    def widened(text: str, read: str) -> str:
        start = text.index(read)
        return text[slice(*whole_words(text, start, start + len(read)))]

    assert widened("此次强降雨造成9.3万人受灾。", "3万人") == "9.3万人"  # not the figure after the decimal point
    assert widened("可保護約3萬6千戶居民。", "6千戶") == "3萬6千戶"  # 万 joins the digits of one figure
    assert widened("总奖金32萬5000美元。", "5000美元") == "32萬5000美元"
    assert widened("比分是21比17、19比21。", "19比21") == "19比21"  # two figures: as read
