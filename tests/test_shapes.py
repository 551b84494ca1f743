"""List questions answered with the list their noun follows, not the clause that holds it."""

from __future__ import annotations

import pytest

from retrieval.shapes import asked_noun, the_list_asked

# Written for these tests (not from any evaluation set).


@pytest.mark.parametrize(
    ("question", "clause", "listed"),
    [
        ("产品出口到了哪些国家？", "公司产品已出口至越南、泰国、智利等18个国家和地区", "越南、泰国、智利"),
        ("哪几个县受灾？", "暴雨已造成东山、西岭、南坪3县2.1万人受灾", "东山、西岭、南坪"),
        ("哪些河流超过警戒水位", "受降雨影响，青河、白水河等4条河流超过警戒水位", "青河、白水河"),
        ("基金重点投向哪几个方向", "基金重点支持储能、氢能、智能电网等三个方向", "储能、氢能、智能电网"),
        ("她为哪些电影配过音？", "她曾为《远山》《归途》等多部电影配音", "《远山》《归途》"),
        ("她曾在哪些國家比賽過", "她曾在日本、韓國等3個國家比賽", "日本、韓國"),  # Traditional
    ],
)
def test_the_list_the_questions_noun_follows_is_the_answer(question: str, clause: str, listed: str) -> None:
    assert the_list_asked(question, clause) == listed


def test_no_list_is_cut_where_the_question_or_the_clause_does_not_ask_for_it() -> None:
    assert asked_noun("哪一国占领了北部？") is None and asked_noun("哪个县受灾最重？") is None  # one member asked
    assert asked_noun("会议在哪里举行？") is None
    # the noun right after the last item is that item's own head, not the list's kind
    assert the_list_asked("计算神经科学包含哪些科学？", "它包含神经科学、认知科学") is None
    assert the_list_asked("哪些国家参加？", "共有18个国家参加") is None  # no list before the noun
    assert the_list_asked("哪些国家参加？", "越南、泰国") is None  # the answer is already the list (no noun after it)


def test_a_question_for_what_a_thing_is_called_gets_the_quoted_name() -> None:
    from retrieval.shapes import the_name_asked

    clause = "平台上有一款名为“清晨男声”的音色与他的声音高度相似"
    assert the_name_asked("那款音色叫什么？", clause) == "清晨男声"
    assert the_name_asked("这颗卫星叫什么名字", "搭载发射了「启明一号」卫星") == "启明一号"
    assert the_name_asked("那款音色是谁开发的？", clause) is None  # not a name asked
    assert the_name_asked("音色叫什么？", "“清晨男声”与“午后女声”") is None  # two quoted: which one is not known
    assert the_name_asked("音色叫什么？", "清晨男声") is None  # nothing quoted: as read


def test_a_list_is_not_cut_inside_its_last_item_nor_taken_for_a_modifier() -> None:
    assert the_list_asked("哪两位选手晋级？", "张三、李四两位选手晋级") == "张三、李四"  # not 张三、李
    assert the_list_asked("哪几个年级停课？", "初一、初二、初三三个年级停课") == "初一、初二、初三"
    assert the_list_asked("哪几个区？", "一区、二区、三区三个区") == "一区、二区、三区"
    assert asked_noun("哪些国家的领导人出席了峰会？") is None  # the leaders are asked, not the countries


def test_a_nickname_or_a_quoted_phrase_is_not_the_name_asked() -> None:
    from retrieval.shapes import the_name_asked

    assert the_name_asked("董事长叫什么名字？", "被誉为“铁娘子”的董某") is None
    assert the_name_asked("获救的男孩叫什么名字？", "被网友称为“最美少年”的李某") is None
    assert the_name_asked("这个活动叫什么名字？", "以“一带一路”为主题的文化节") is None
    assert the_name_asked("这颗卫星叫什么名字？", "搭载发射了“启明一号”卫星，重约8千克") == "启明一号"


def test_a_question_for_the_figure_a_change_reached_gets_that_figure() -> None:
    from retrieval.shapes import the_figure_reached

    sentence = "完工后，防洪标准由原本的20年重现期提升至100年重现期。"
    assert the_figure_reached("防洪标准提高到多少？", "20年", sentence) == "100年"
    assert the_figure_reached("浮动幅度从2%扩大到多少?", "2%", "浮动幅度从2%扩大到5%。") == "5%"
    assert the_figure_reached("防洪标准原来是多少？", "20年", sentence) is None  # the starting figure asked
    assert the_figure_reached("防洪标准提高到多少？", "100年", sentence) is None  # already the figure reached


def test_a_list_loses_the_words_that_lead_into_it_but_not_its_own() -> None:
    assert the_list_asked("新增了哪几个专业", "并新增智能建造、低空技术与工程等2个专业") == "智能建造、低空技术与工程"
    assert the_list_asked("能换乘哪几条线路", "可与1号线、2号线等2条线路换乘") == "1号线、2号线"
    assert the_list_asked("有哪几个方向", "低空技术与工程、生物信息学2个方向") == "低空技术与工程、生物信息学"
    assert the_list_asked("分为哪几个展区", "分为“草原与绿洲”、“商旅与驼队”两个展区") == "“草原与绿洲”、“商旅与驼队”"


def test_a_theme_or_slogan_asked_is_the_quoted_term_given_as_one() -> None:
    from retrieval.shapes import the_name_asked

    assert the_name_asked("车站文化墙是啥主题", "站内打造了以“苏绣”为主题的文化墙") == "苏绣"
    assert the_name_asked("比赛的口号是什么", "赛事以“跑进春天”为口号") == "跑进春天"
    assert the_name_asked("这个活动叫什么名字？", "以“丝路”为主题的文化节") is None  # its theme, not its name


def test_an_answer_takes_the_rest_of_a_dotted_transliterated_name() -> None:
    from retrieval.shapes import whole_dotted_name

    assert whole_dotted_name("阿迪", "遇難的移工阿迪．蘇普里亞托年僅27歲。") == "阿迪．蘇普里亞托"  # not …年僅
    assert whole_dotted_name("约翰", "主席约翰·坎贝尔教授出席") == "约翰·坎贝尔"  # not his title
    assert whole_dotted_name("扬", "评审团主席扬·德弗里斯表示") == "扬·德弗里斯"
    assert whole_dotted_name("阿迪", "移工阿迪.蘇普里亞托年僅27歲") == "阿迪.蘇普里亞托"  # ．as NFKC folds it
    assert whole_dotted_name("政策实施前", "政策实施前．在新条例下") is None  # a full stop: 在 is no name
    assert whole_dotted_name("李明", "李明出席") is None
