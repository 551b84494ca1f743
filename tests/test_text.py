"""The shared text layer: script folding (offsets unchanged), the one language detector and the one stopword list."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.messages import detect_language
from retrieval.lexical import tokenize
from retrieval.text import detect_lang, stopwords, to_simplified


def test_traditional_question_words_fold_to_simplified() -> None:
    assert to_simplified("誰是臺灣的第一位總統？幾個人參加了會議？") == "谁是台湾的第一位总统？几个人参加了会议？"
    assert to_simplified("会议 meeting") == "会议 meeting"


@given(st.text(alphabet=st.sampled_from("會議臺灣記憶體乾燥髮型後面裡麵，。abc 12"), max_size=40))
def test_folding_keeps_every_offset(text: str) -> None:
    folded = to_simplified(text)
    assert len(folded) == len(text)
    assert all((a == b) or not a.isascii() for a, b in zip(text, folded, strict=True))


def test_either_script_finds_the_other_in_lexical_search() -> None:
    assert set(tokenize("聯席會議在廣州舉行")) & set(tokenize("联席会议在广州举行")) >= {"联席", "会议", "广州"}


def test_one_language_detector_for_questions_evidence_and_replies() -> None:
    assert detect_lang("谁签署了框架协议？") == "zh"
    assert detect_lang("Who signed the framework agreement?") == "en"
    assert detect_lang("What did 王家瑞 say in Shenzhen about the framework agreement?") == "en"  # a name inside
    assert detect_lang("中国移动与Apple签署了协议") == "zh"
    assert detect_lang("2026") == "en"
    assert detect_language("What did 王家瑞 say in Shenzhen about the framework agreement?") == "en"
    assert detect_language("？？") == "zh"
    assert detect_language("123", "en-US") == "en" and detect_language("123", None) == "zh"


def test_one_stopword_list_gives_each_step_its_role() -> None:
    from retrieval.questions import STOPWORDS_EN, STOPWORDS_ZH, is_content

    assert "什么" in stopwords("index") and "什么" in STOPWORDS_ZH  # a question word: neither searched nor a term
    assert "告诉" in STOPWORDS_ZH and "告诉" not in stopwords("index")  # the roles differ on purpose
    assert "the" in STOPWORDS_EN and not any(w.isascii() for w in STOPWORDS_ZH)
    assert set(stopwords("follow-up")) <= set(stopwords("question"))
    assert all(len(w) == 1 for w in stopwords("particle"))
    assert "什么" not in tokenize("会议讨论了什么") and "会议" in tokenize("会议讨论了什么")
    assert not is_content("的") and is_content("会议")
    with pytest.raises(ValueError, match="unknown stopword role"):
        stopwords("bm25")


def test_headings_are_blanked_for_the_reader_with_offsets_kept() -> None:
    from retrieval.text import without_headings

    text = (
        "青石镇召开水利建设推进会\n\n孙丽华吴文斌参加有关活动\n5月3日,青石镇召开推进会。王建国主持会议。\n记者 周明 摄"
    )
    out = without_headings(text)
    assert len(out) == len(text)  # offsets into the reader's input are offsets into the passage
    assert "推进会\n" not in out and "孙丽华" not in out and "周明" not in out  # headline, deck line, credit
    assert out[text.index("5月3日") :].startswith("5月3日,青石镇召开推进会。王建国主持会议。")
    assert without_headings("只有标题\n没有正文") == "只有标题\n没有正文"  # nothing but headings: read as it is
    prose = "Xinhua reported on Monday, citing officials.\n王建国主持会议。"
    assert without_headings(prose) == prose


def test_a_cantonese_question_in_mandarin_words_and_mandarin_untouched() -> None:
    from retrieval.text import to_mandarin, to_simplified

    said = {
        "邊個批評港鐵加得太多？": "谁批评港铁加得太多？",
        "港鐵加價幾多？": "港铁加价多少？",
        "這篇新聞講咗乜嘢？": "这篇新闻讲了什么？",
        "佢係邊個？": "他是谁？",
        "門票幾錢？": "门票多少钱？",
        "冠軍跑咗幾耐？": "冠军跑了多久？",
    }
    for cantonese, mandarin in said.items():
        assert to_mandarin(to_simplified(cantonese)) == mandarin
    for plain in ("了解几个情况？", "谁主持了会议？", "中文系在哪里？"):
        assert to_mandarin(plain) == plain


def test_spoken_question_words_are_read_as_written_ones() -> None:
    from retrieval.text import to_mandarin

    said = {
        "新规啥时候开始实施": "新规什么时候开始实施",
        "为啥延期了？": "为什么延期了？",
        "村民现在咋吃上水的": "村民现在怎么吃上水的",
        "票价几块钱": "票价多少钱",
        "灵感来自啥？": "灵感来自什么？",
        "展馆在哪儿": "展馆在哪里",
    }
    for spoken, written in said.items():
        assert to_mandarin(spoken) == written


def test_sentences_end_after_a_closing_quote_not_after_a_clock_time_and_never_run_for_pages() -> None:
    from retrieval.text import MAX_SENTENCE_CHARS, split_sentences

    def parts(text: str) -> list[str]:
        return [text[s:e] for s, e in split_sentences(text)]

    assert parts('She called it "a budget for working families." The budget raises taxes.') == [
        'She called it "a budget for working families."',
        "The budget raises taxes.",
    ]
    assert parts("The quake hit at 4:17 a.m. local time. Rescuers came.") == [
        "The quake hit at 4:17 a.m. local time.",
        "Rescuers came.",
    ]
    assert parts("It ended at 9 p.m. The crowd left.") == ["It ended at 9 p.m.", "The crowd left."]
    flood = "word " * 5000  # a page flattened into one line
    assert all(e - s <= MAX_SENTENCE_CHARS + 10 for s, e in split_sentences(flood))


def test_whole_number_widens_a_span_over_the_figure_it_cuts() -> None:
    from retrieval.text import whole_number

    text = "营收41.2亿元，出口8,000万美元，2026年3月"
    cut = text.index(".2")
    assert text[slice(*whole_number(text, cut + 1, cut + 4))] == "41.2亿元"
    at = text.index("000万")
    assert text[slice(*whole_number(text, at, at + 6))] == "8,000万美元"
    year = text.index("2026")
    assert whole_number(text, year + 5, year + 7) == (year + 5, year + 7)  # 3月 after 年: another figure
    assert whole_number(text, 0, 2) == (0, 2)  # no figure touched
    years = "2019,2020,2021年"
    assert years[slice(*whole_number(years, 5, 9))] == "2020"  # a list of years, not one figure with commas
