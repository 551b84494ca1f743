"""Who-is-X questions: the post the articles write next to the name, in Chinese and English, or a refusal."""

from __future__ import annotations

import pytest
from helpers import indexed_engine

from retrieval.identity import english_identity, identity_name

# Written for these tests (not from any evaluation set).
ARTICLES = [
    {
        "id": "metro",
        "title": "临江地铁5号线开通",
        "published": "2026-11-20",
        "text": (
            "本报讯（记者 陈晓）11月20日，临江地铁5号线一期开通运营。"
            "临江市市长刘国华、市委副书记赵明成出席开通仪式。（记者 陈晓）总经理周永平介绍了线路情况。"
            "省交通运输厅党组书记、厅长钱立新表示，5号线全长32.6公里。"
        ),
    },
    {
        "id": "court",
        "title": "恒泰置業前主席罪成",
        "published": "2026-11-20",
        "text": (
            "高等法院今日裁定何志成罪成。代表何志成的資深大律師黃國華在求情時表示，被告深感後悔。"
            "星河控股（股份代號：2388）前行政總裁林志強出庭作證。"
        ),
    },
    {
        "id": "provinces",
        "title": "两省举行协作联席会议",
        "published": "2026-11-18",
        "text": (
            "会上，江南省委副书记、省长冯正阳，江北省委副书记、省长孙德胜分别介绍两省情况。"
            "江南省副省长周明远、江北省委书记吴天成出席。"
        ),
    },
    {
        "id": "park",
        "title": "古镇市滨江公园开园",
        "published": "2026-11-21",
        "text": "古镇市滨江公园今天开园。副市长韩书琴、园林局长邱立言出席开园仪式，数千名市民到场。",
    },
    {
        "id": "ndrc",
        "title": "国家发展和改革委员会举行发布会",
        "published": "2026-11-22",
        "text": "国家发展和改革委员会主任郑立新在发布会上介绍了前三季度经济运行情况。",
    },
    {
        "id": "meeting",
        "title": "江南省政府召开常务会议",
        "published": "2026-11-19",
        "text": "会议决定，任命王建军为省交通运输厅副厅长。会议由省长主持。",
    },
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: object):  # type: ignore[no-untyped-def]
    return indexed_engine(tmp_path_factory.mktemp("identity"), ARTICLES, embedder)


def test_a_name_is_told_from_a_role() -> None:
    assert identity_name("王建军是谁？") == "王建军"
    assert identity_name("黃國華是誰") == "黄国华"  # matched in Simplified
    assert identity_name("临江市市长是谁？") is None  # asks for a person
    assert identity_name("他的父亲是谁？") is None and identity_name("谁主持了会议？") is None
    assert identity_name("男子全程冠军是谁？") is None  # a title won, not a name
    assert english_identity("Who is Wang Jianjun?") == "Wang Jianjun"
    assert english_identity("Who chaired the meeting?") is None
    # the same question in other words
    for asked in ("王建军是干什么的？", "王建军担任什么职务", "王建军的职务是什么？", "王建軍是什麼職位？"):
        assert identity_name(asked) == "王建军", asked
    assert identity_name("他是干什么的？") is None and identity_name("会议决定了什么？") is None
    assert identity_name("王建军被任命为什么职务？") == "王建军" and identity_name("钱立新曾任什么职务？") == "钱立新"
    assert english_identity("What did Wang Jianjun do?") is None  # an action, not a post
    for asked in ("What is Wang Jianjun's job?", "What position does Wang Jianjun hold?", "What does Wang Jianjun do?"):
        assert english_identity(asked) == "Wang Jianjun", asked
    assert english_identity("What does the article say?") is None


@pytest.mark.parametrize(
    ("question", "post"),
    [
        ("赵明成是谁？", "市委副书记"),  # not the other person of the sentence
        ("刘国华是谁", "临江市市长"),
        ("钱立新是谁？", "省交通运输厅党组书记、厅长"),  # posts listed with 、 are all his
        ("黃國華是誰？", "資深大律師"),  # in the article's script, after 的
        ("王建军是谁？", "省交通运输厅副厅长"),  # 任命X为Y
        ("Who is Wang Jianjun?", "省交通运输厅副厅长"),
        ("赵明成是干什么的？", "市委副书记"),
        ("钱立新担任什么职务？", "省交通运输厅党组书记、厅长"),
        ("What is Zhao Mingcheng's job?", "市委副书记"),
        ("林志強是做什麼的？", "星河控股（股份代號：2388）前行政總裁"),  # the parenthetical is the company's
        ("周永平是谁？", "总经理"),  # not the reporter's credit before it
        ("王建军被任命为什么职务？", "省交通运输厅副厅长"),
    ],
)
def test_who_is_x_gets_the_post_written_next_to_the_name(engine, question: str, post: str) -> None:  # type: ignore[no-untyped-def]
    answer = engine.ask(question)
    assert answer.answered and answer.answer == post
    assert post in answer.evidence[0]


def test_who_is_someone_the_articles_never_name_is_refused(engine) -> None:  # type: ignore[no-untyped-def]
    assert not engine.ask("张伟东是谁？").answered


def test_who_holds_a_post_no_article_writes_is_refused(engine) -> None:  # type: ignore[no-untyped-def]
    # no article writes a 区长 or a 主任: not another official of the sentence (赵明成, 王建军 before)
    assert not engine.ask("临江市区长是谁？").answered
    assert not engine.ask("江北省交通运输厅主任是谁？").answered


@pytest.mark.parametrize(
    ("question", "holder"),
    [
        (
            "江南省长是谁？",
            "冯正阳",
        ),  # the bare 省长 after 江南省委副书记、 is Jiangnan's; not 孙德胜, not the deputy 周明远
        ("江北省长是谁？", "孙德胜"),
        ("谁是江北省委书记？", "吴天成"),  # not 孙德胜 (江北省委副书记)
        ("临江市长是谁", "刘国华"),  # 市委副书记赵明成 is not the mayor
        ("江南省副省长是谁？", "周明远"),  # the deputy asked: 副 is the post's, not the place's
    ],
)
def test_who_holds_a_post_of_a_place_is_the_name_written_after_that_post(engine, question: str, holder: str) -> None:  # type: ignore[no-untyped-def]
    answer = engine.ask(question)
    assert answer.answered and answer.answer == holder
    assert holder in answer.evidence[0]


def test_a_post_is_told_from_a_name_and_from_a_bare_role() -> None:
    from retrieval.identity import role_asked

    assert role_asked("江南省长是谁？") == ("江南", "省长")
    assert role_asked("深圳市市长是谁？") == ("深圳", "市长")
    assert role_asked("深圳市副市长是谁？") == ("深圳", "副市长")
    assert role_asked("谁是星穹科技董事长？") == ("星穹科技", "董事长")
    assert role_asked("星穹科技的董事长是谁？") == ("星穹科技", "董事长")
    assert role_asked("公司的新任董事长是谁？") is None
    assert role_asked("李明的父亲是谁？") is None and role_asked("会议的主持人是谁？") is None  # no office's post
    assert (
        role_asked("市长是谁？") is None and role_asked("王建军是谁？") is None and role_asked("他的父亲是谁？") is None
    )


def test_a_post_takes_in_a_company_s_parenthetical_but_not_a_dateline_s() -> None:
    from retrieval.identity import _clause_start

    def post(text: str) -> str:
        return text[_clause_start(text, len(text) - 3) : len(text) - 3]

    assert post("星河控股（股份代号：2388）前行政总裁林志强") == "星河控股（股份代号：2388）前行政总裁"
    assert post("新华社北京11月20日电（张三 李四）总经理周永平") == "总经理"
    assert post("（央视新闻）总经理周永平") == "总经理" and post("本报讯（记者 陈晓）市长刘国华") == "市长"


@pytest.mark.parametrize(
    ("question", "holder"),
    [
        ("临江市长叫什么？", "刘国华"),  # the same question in other words
        ("江北省长的名字是什么？", "孙德胜"),
        ("古镇园林局长叫什么名字？", "邱立言"),  # 园林局长 written without 古镇, which the article names
        ("古镇市园林局长是谁？", "邱立言"),  # the qualifier's own 市 does not stop it
        ("现任临江市长是谁？", "刘国华"),  # nor a word of tenure before the place
    ],
)
def test_who_holds_a_post_asked_as_a_name(engine, question: str, holder: str) -> None:  # type: ignore[no-untyped-def]
    answer = engine.ask(question)
    assert answer.answered and answer.answer == holder


def test_a_post_written_only_for_another_place_is_not_written_for_this_one(engine) -> None:  # type: ignore[no-untyped-def]
    # 古镇 has a deputy mayor only; the mayor written elsewhere (临江市市长刘国华) is another city's
    assert not engine.ask("古镇市长是谁？").answered


def test_a_post_of_an_abbreviated_office_is_written_where_the_article_spells_it_out(engine) -> None:  # type: ignore[no-untyped-def]
    # 发改委 is 国家发展和改革委员会: the post is written, so the question is answered, not refused
    assert engine.ask("发改委主任是谁？").answered


def test_a_post_with_no_place_or_company_is_not_a_post_question() -> None:
    from retrieval.identity import role_asked

    assert role_asked("这位市长叫什么名字？") is None and role_asked("那位警官叫什么名字？") is None
    assert role_asked("王市长叫什么名字？") is None  # a surname, not a place: the reader answers
    assert role_asked("现任深圳市长是谁？") == ("深圳", "市长")
