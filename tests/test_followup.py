"""Follow-up questions: completed from the previous turn only when they refer back to it."""

from __future__ import annotations

import pytest

from retrieval.followup import Turn, leading_subject, resolve, subject

WHO = Turn("谁主持了防汛工作会议？", "张建国", "a1", "江城召开防汛工作会议")
PARK = Turn("金水湖公园位于什么地方？", "江城西郊", "a2", "金水湖公园")
GROUP = Turn("第一组考察了哪些企业？", "港务集团、科技馆", "a3")
YEAR = Turn("1992年4月，王海涛担任什么职务？", "副区长", "a4")
EN = Turn("Who opened the Harbour Bridge?", "Mayor Jane Smith", "e1", "Bridge opens")


@pytest.mark.parametrize(
    ("turn", "question", "understood"),
    [
        (WHO, "他说了什么？", "张建国说了什么？"),  # "he" after "who…?": the answer
        (PARK, "它的面积有多大？", "金水湖公园的面积有多大？"),  # "it": the previous question's subject
        (PARK, "该公园是谁设计的？", "金水湖公园是谁设计的？"),  # demonstrative + head noun of the subject
        (GROUP, "那第二组呢？", "第二组考察了哪些企业？"),  # ellipsis: the slot it replaces
        (YEAR, "那2017年4月呢？", "2017年4月，王海涛担任什么职务？"),  # a date replaces a date
        (YEAR, "他是哪里人？", "王海涛是哪里人？"),  # subject continuity: the topic carries on
        (WHO, "什么时候？", "张建国主持了防汛工作会议，什么时候？"),  # a bare question word
        (WHO, "还有呢？", "谁主持了防汛工作会议？"),
        (Turn("会议在哪里举行？", "江城", "a5"), "那什么时候？", "会议在江城举行，什么时候？"),  # 在 stays
        (Turn("會議在哪裡舉行？", "江城", "a5"), "什麼時候？", "會議在江城舉行，什麼時候？"),  # Traditional 哪裡
        (PARK, "什么时候？", "金水湖公园位于江城西郊，什么时候？"),
        (EN, "What did she say?", "What did Mayor Jane Smith say?"),
        (EN, "When?", "When: Mayor Jane Smith opened the Harbour Bridge?"),
        (EN, "What about the Ocean Tunnel?", "Who opened the Ocean Tunnel?"),
    ],
)
def test_follow_up_completed_from_previous_turn(turn: Turn, question: str, understood: str) -> None:
    r = resolve(question, turn)
    assert r.rewritten and r.text == understood
    assert r.prefer_article == turn.article_id  # the follow-up stays with the previous story


@pytest.mark.parametrize(
    ("turn", "question"),
    [
        (WHO, "海州交通局局长是谁？"),
        (WHO, "会议在哪里举行？"),
        (PARK, "金水湖公园什么时候开放？"),
        (GROUP, "代表团分为几组？"),
        (EN, "Who paid for the Ocean Tunnel?"),
        (EN, "When did Mayor Smith visit Riverton?"),
        (WHO, "其他城市有没有召开会议？"),  # 其他 is not the pronoun 他
    ],
)
def test_standalone_question_goes_on_unchanged(turn: Turn, question: str) -> None:
    r = resolve(question, turn)
    assert not r.rewritten and r.text == question and r.prefer_article is None


def test_no_previous_turn_no_change_and_original_text_kept() -> None:
    assert resolve("他说了什么？", None).text == "他说了什么？"
    assert resolve("  spaced question  ", EN).text == "  spaced question  "  # exactly as asked


def test_article_reference_prefers_previous_article_without_rewriting() -> None:
    r = resolve("这篇报道是哪天发布的？", WHO)
    assert not r.rewritten and r.prefer_article == "a1" and r.reason == "article"
    r = resolve("這篇報導的作者是誰？", WHO)  # Taiwan's 報導 (报导 in Simplified, not 报道)
    assert not r.rewritten and r.prefer_article == "a1" and r.reason == "article"
    for bare in ("作者是谁？", "這篇是哪天發布的？", "Who is the author?"):  # a field alone: the last article's
        r = resolve(bare, WHO)
        assert not r.rewritten and r.prefer_article == "a1", bare
    meta = Turn("这篇报道的来源是什么？", "江城日报", "a9")
    r = resolve("它是哪天发布的？", meta)  # "it" after a question about the article: the article
    assert r.rewritten and r.text == "这篇文章是哪天发布的？" and r.prefer_article == "a9"


def test_traditional_characters_are_followed_too() -> None:
    turn = Turn("儒略日以什麼時間點當作起點？", "西元前4713年", "d1")
    assert resolve("它的周期有多長？", turn).text == "儒略日的周期有多長？"


def test_subjects_kept_whole_when_jieba_splits_an_unknown_name() -> None:
    assert leading_subject("蓝线裸顶鲷的俗名是什么？") == "蓝线裸顶鲷"
    assert leading_subject("李晓梅说了什么？") == "李晓梅"  # a one-character verb before 了 is a verb
    assert leading_subject("谁主持了会议？") == ""
    assert subject("谁主持了防汛工作会议？") == "防汛工作会议"  # no leading subject: the first noun phrase
    assert subject("Who opened the Harbour Bridge?") == "Harbour Bridge"


def test_english_names_of_several_words_are_referents_and_another_article_is_not_the_last() -> None:
    turn = Turn("Who proposed the Riverton budget?", "Mayor Daniel Okafor", "a1", "Riverton budget")
    assert resolve("Who is he?", turn).text == "Who is Mayor Daniel Okafor?"
    assert resolve("What did he say?", turn).text == "What did Mayor Daniel Okafor say?"
    for other in ("When was the article about the ruling published?", "Who wrote the story about the cup final?"):
        assert resolve(other, turn).prefer_article is None, other  # names its own article
    assert resolve("When was this article published?", turn).prefer_article == "a1"


def test_a_place_jieba_tags_as_a_person_still_takes_the_place_of_the_place() -> None:
    turn = Turn("台北市明天要上班嗎？", "", "a1", "颱風停班停課")
    r = resolve("那高雄呢？", turn)  # jieba: 高雄 nr, 台北市 ns
    assert r.rewritten and r.text == "高雄明天要上班嗎？"


def test_he_is_the_one_name_of_an_answer_that_carries_a_post() -> None:
    """ "广东省副省长黄志远当天" answered who; "他是谁？" is about 黄志远 (it became "广东省副省长黄志远当天是谁？")."""
    turn = Turn("谁赶赴湛江指挥防台风工作？", "广东省副省长黄志远当天", "t1")
    assert resolve("他是谁？", turn).text == "黄志远是谁？"
    both = Turn("谁代表两市签署了协议？", "赵明远、陈立新", "t2")
    assert resolve("他们说了什么？", both).text.startswith("赵明远、陈立新")
