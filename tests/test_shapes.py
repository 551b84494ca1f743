"""List questions answered with the list their noun follows, not the clause that holds it."""

from __future__ import annotations

import pytest

from retrieval.shapes import asked_noun, fits, the_list_asked

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
    # the noun right after the last item is that item's own head, not the list's kind: the items stay whole
    assert the_list_asked("计算神经科学包含哪些科学？", "它包含神经科学、认知科学") == "神经科学、认知科学"
    assert the_list_asked("哪些国家参加？", "共有18个国家参加") is None  # no list before the noun
    assert the_list_asked("哪些国家参加？", "越南、泰国") is None  # the answer is already the list (no noun after it)


def test_a_list_whose_items_end_in_the_nouns_head_is_the_answer_without_the_noun_after_it() -> None:
    clause = "考察组先后走访了东湖市、西山市、南平市,并参观了甲乙公司、丙丁公司"
    assert the_list_asked("考察组先后走访了哪些城市？", clause) == "东湖市、西山市、南平市"
    assert the_list_asked("考察组参观了哪些公司？", clause) == "甲乙公司、丙丁公司"
    assert the_list_asked("考察组去了哪些国家？", clause) is None  # no list of 家
    # two lists of the head: which one is asked is not written
    assert the_list_asked("哪些城市？", "先到东湖市、西山市，后到南平市、北岭市") is None
    assert the_list_asked("哪些城市？", "市区、郊区") is None  # no item ends in 城 or 市
    # any one character of the noun, the same for every item; an item joined by 与/和 stays in
    assert the_list_asked("能与哪些线路换乘", "全长9公里，可与1号线、2号线和5号线换乘") == "1号线、2号线和5号线"
    assert the_list_asked("她会讲哪些语言？", "她会讲意大利语、法语与英语。") == "意大利语、法语与英语"
    # the 7 of B7路 is no count before the noun 路: the list is not cut inside its last item
    assert the_list_asked("坐哪几路公交能到", "开通了25路、B7路两条公交线路直达园区") == "25路、B7路"
    assert the_list_asked("哪些国家参加？", "甲国、乙国、丙国代表参加了会议") == "甲国、乙国、丙国"  # the last runs on
    assert the_list_asked("哪些国家参加？", "甲国、乙国、欧盟代表参加了会议") is None  # 欧盟 is no 国


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


def test_one_member_of_a_list_gives_the_list_where_several_are_asked() -> None:
    from retrieval.shapes import the_members_asked

    sentence = "新园区设有甲中心、乙中心、丙中心三大服务中心。"
    assert the_members_asked("三大服务中心是哪三个？", "甲中心", sentence) == "甲中心、乙中心、丙中心"
    assert the_members_asked("有哪些中心", "乙中心", sentence) == "甲中心、乙中心、丙中心"
    assert the_members_asked("三大服务中心是哪两个？", "甲中心", sentence) is None  # not as many as asked
    assert the_members_asked("哪个中心最大", "乙中心", sentence) is None  # one asked
    assert the_members_asked("能换乘哪些线路", "2号线", "可与1号线、2号线和4号线换乘") == "1号线、2号线和4号线"
    assert the_members_asked("有哪些人", "张三", "张三、李四、王五3人获奖") == "张三、李四、王五"


def test_a_thing_of_the_kind_asked_is_the_quoted_name_the_kind_follows() -> None:
    from retrieval.shapes import the_term_asked

    clause = "据介绍，“晨星3”重约20公斤，采用公司自研的“青芯A7”端侧芯片"
    assert the_term_asked("机器人用的是什么芯片？", clause) == "青芯A7"
    assert the_term_asked("机器人叫什么？", clause) is None  # no kind asked
    assert the_term_asked("主演过什么剧目？", "《甲》、《乙》、《丙》等剧目") is None  # one of a run
    assert the_term_asked("“青芯A7”是什么芯片？", clause) is None  # the question's own name


def test_a_name_takes_the_word_of_the_kind_asked_written_right_after_it() -> None:
    from retrieval.shapes import with_the_kind_asked

    assert with_the_kind_asked("由哪家客运公司营运？", "青禾", "该路线由青禾客运营运。") == "青禾客运"
    assert with_the_kind_asked("他毕业于哪所大学", "南岭", "他毕业于南岭大学") == "南岭大学"
    assert with_the_kind_asked("他毕业于哪所大学", "南岭大学", "他毕业于南岭大学") is None  # already whole
    assert with_the_kind_asked("什么时候开始", "1970年代", "1970年代开始") is None  # a time is no kind
    assert with_the_kind_asked("他毕业于哪所大学", "南岭", "他毕业于南岭师范学院") is None
    assert with_the_kind_asked("要在多少个工作日内办结？", "10个", "须在10个工作日内办结") == "10个工作日"


def test_an_answer_cut_at_a_range_connector_takes_the_ranges_far_end() -> None:
    from retrieval.shapes import whole_range

    sentence = "园区开放时间为每周二至周日上午9时至下午5时，周一闭园。"
    assert whole_range("每周二至周日上午9时至", sentence) == "每周二至周日上午9时至下午5时"
    assert whole_range("8:00至", "热线每天8:00至21:30接听来电") == "8:00至21:30"
    assert whole_range("3月1日到", "活动从3月1日到4月底举行") == "3月1日到4月底"  # not the verb after it
    assert whole_range("李文至", "他与李文至结婚") is None  # a name ending in 至


def test_a_when_answer_that_opens_with_its_date_and_a_comma_is_the_date() -> None:
    from retrieval.shapes import the_date_opening

    assert the_date_opening("when", "4月2日，市指挥部决定启动四级应急响应") == "4月2日"
    assert the_date_opening("when", "6月1日上午9时，新馆正式开放") == "6月1日上午9时"
    assert the_date_opening("who", "4月2日，市指挥部决定启动四级应急响应") is None  # not a when-question
    assert the_date_opening("when", "随后，市指挥部决定启动应急响应") is None  # no date before the comma
    assert the_date_opening("when", "今天上午8时20分，首趟列车驶出车站") == "今天上午8时20分"  # a day said relative
    assert the_date_opening("when", "清晨5时许，在江边滩涂上") == "清晨5时许"


def test_list_members_and_ranges_stop_where_their_items_and_figures_do() -> None:
    from retrieval.shapes import the_members_asked, whole_range, with_the_kind_asked

    assert (
        the_members_asked("有哪些人获奖", "李明", "李明、王明、张明亮获奖") == "李明、王明、张明亮"
    )  # no cut in a name
    assert the_members_asked("哪些城市", "东湖", "“东湖”、“西山”两市") == "“东湖”、“西山”"  # quotes kept whole
    assert whole_range("上午9时至", "上午9时至下午5时闭馆") == "上午9时至下午5时"  # not the noun after it
    assert whole_range("2至", "每人限购2至3件商品") == "2至3件"
    assert whole_range("南周至", "南周至县今年脱贫") is None  # 周 without a weekday is no time
    assert with_the_kind_asked("他是哪个国家的球员", "法国", "他效力于法国国家队") is None  # 国家 inside 国家队
    assert with_the_kind_asked("面积有多少平方公里", "1.44", "总面积1.44平方公里。") is None  # the question's unit


def test_an_answer_of_another_kind_than_the_one_asked_does_not_fit() -> None:
    assert fits("when", "展览什么时候开幕？", "本月20日")
    assert fits("when", "展览什么时候开幕？", "晚上7時")
    assert not fits("when", "展览什么时候开幕？", "旧城光影节")  # a name for "when"
    assert fits("number", "修了多少座水闸？", "7座")
    assert fits("number", "分为几类？", "两类")  # a numeral in words
    assert not fits("number", "修了多少座水闸？", "5月16日")  # a date for "how many"
    assert not fits("number", "工程投资多少钱？", "9公里")  # another measure (measures.mismatched)
    assert not fits("number", "它有多重？", "1.8米", measure="weight")  # the English question's measure
    assert not fits("number", "有多少个车站？", "22.6公里", measure="count")  # a quantity for a count of things
    assert fits("number", "有多少个车站？", "19座", measure="count")
    assert fits("who", "谁主持会议？", "欧阳振华")
    assert fits("who", "谁是校长？", "C.L. Max Nikias")  # letters of a Latin name do not count against it
    assert not fits("who", "谁主持会议？", "2026年3月")
    assert not fits("who", "谁主持会议？", "省政府召开常务会议研究部署春耕生产工作")  # a clause
    assert fits("why", "为什么停电？", "因暴雪压断线路")  # other kinds: any answer
    assert not fits("when", "什么时候？", "")
    assert fits("who", "谁出席了会议？", "欧阳振华、李明、王芳、张伟")  # a list of names, each a name
    assert fits("who", "谁发布的？", "中国人民银行、国家金融监督管理总局、中国证券监督管理委员会")  # organisations
    assert not fits("who", "谁主办的？", "广场开跑，共有多个")  # a clause's pieces are no name
    assert not fits("who", "谁出席了会议？", "欧阳振华、省政府召开常务会议研究部署春耕生产工作")
    assert fits("when", "中心什么时候建成？", "下半年")


def test_a_why_answer_that_stops_at_a_word_of_cause_is_the_reason_after_it() -> None:
    from retrieval.shapes import the_reason_after

    sentence = "局长介绍，一季度客流实现较快增长，主要因为新航线持续加密以及旅游需求回暖。"
    reason = "因为新航线持续加密以及旅游需求回暖"
    assert the_reason_after("why", "一季度客流实现较快增长，主要因", sentence) == reason
    cold = "由于受冷空气影响，明天气温将下降8℃。"
    assert the_reason_after("why", "由于", cold) == "由于受冷空气影响"  # not the effect after the comma
    dry = "降雨偏少是因为副热带高压偏强，但专家预计下月将缓解。"
    assert the_reason_after("why", "降雨偏少是因为", dry) == "因为副热带高压偏强"  # not what 但 goes on to
    assert the_reason_after("why", "新航线持续加密", sentence) is None  # already the reason
    assert the_reason_after("what", "一季度客流实现较快增长，主要因", sentence) is None  # only why-questions
    assert the_reason_after("why", "火灾原因", "火灾原因正在调查。") is None  # 原因 ends in 因: no word of cause


def test_a_why_answer_that_gives_the_effect_and_its_cause_is_the_cause() -> None:
    from retrieval.shapes import the_reason_after

    sentence = "今年游客人数大幅上升，主要因为景区首次推出夜场门票，吸引大批年轻人。"
    both = "今年游客人数大幅上升，主要因为景区首次推出夜场门票，吸引"
    assert the_reason_after("why", both, sentence) == "因为景区首次推出夜场门票"
    late = "渡轮停航是由于连日降雨导致河水上涨。"
    assert the_reason_after("why", late, late) == "由于连日降雨导致河水上涨"
    opening = "由于连日降雨，河水上涨，渡轮停航"  # opens with its cause: as written (golds often keep the effect)
    assert the_reason_after("why", opening, opening + "。") is None
    assert the_reason_after("what", both, sentence) is None
    two = "今年游客大增，主要因为高铁开通，以及门票免费，吸引了外地游客。"  # 以及 joins a second cause
    assert the_reason_after("why", "今年游客大增，主要因为高铁开通，以及", two) == "因为高铁开通，以及门票免费"
    factor = "价格上涨的主要因素是成本上升"  # 主要因 of 主要因素 is no word of cause
    assert the_reason_after("why", factor, factor + "。") is None


def test_an_answer_loses_the_attribution_it_opens_with_unless_what_was_said_is_asked() -> None:
    from retrieval.shapes import without_attribution

    answer = "港务局副局长林某在发布会上介绍，一季度吞吐量实现较快增长"
    assert without_attribution("吞吐量为什么增长较快？", answer) == "一季度吞吐量实现较快增长"
    assert without_attribution("吞吐量为什么增长较快？", "据市统计局称，增长较快") == "增长较快"
    assert without_attribution("副局长在发布会上说了什么？", answer) is None  # what was said is asked
    assert without_attribution("吞吐量为什么增长较快？", "外贸航线持续加密") is None


def test_a_where_answer_takes_the_smaller_place_or_the_venue_written_right_after_it() -> None:
    from retrieval.shapes import the_whole_place

    landed = "颱風今日凌晨在東林縣平安鎮附近登陸。"
    assert the_whole_place("颱風在哪裡登陸？", "where", "東林縣", landed) == "東林縣平安鎮"
    held = "展覽在南灣藝術博物館三樓展廳舉行。"
    assert the_whole_place("展覽在哪裡舉辦？", "where", "南灣", held) == "南灣藝術博物館"
    assert the_whole_place("颱風在哪個縣登陸？", "where", "東林縣", landed) is None  # the county is asked
    assert the_whole_place("颱風在哪裡登陸？", "when", "東林縣", landed) is None
    assert the_whole_place("会议在哪里召开？", "where", "东林县", "东林县县长出席。") is None  # no smaller place


def test_a_what_time_question_gets_the_clock_time_whole() -> None:
    from retrieval.shapes import the_clock_time

    sentence = "颱風「青松」今（21）日凌晨3時40分左右在東林縣登陸。"
    assert the_clock_time("颱風幾點登陸的", "青松」今（21）日凌晨3時", sentence) == "凌晨3時40分左右"
    assert the_clock_time("颱風幾點登陸的", "凌晨3時40分左右", sentence) is None  # already whole
    assert the_clock_time("颱風什麼時候登陸", "青松」今（21）日凌晨3時", sentence) is None  # 几点 only
    hours = "每天8:00至22:00接听来电。"
    assert the_clock_time("热线几点到几点能打通？", "8:00至22:00", hours) is None  # a range asked: as read


def test_a_run_of_a_lists_items_answers_for_the_whole_list() -> None:
    from retrieval.shapes import the_members_asked

    sentence = "人事行政總處宣布，東林縣、西灣縣、南坪縣今日停止上班上課。"
    assert the_members_asked("哪些縣停班停課？", "東林縣、西灣縣", sentence) == "東林縣、西灣縣、南坪縣"
    assert the_members_asked("哪些縣停班停課？", "東林縣、西灣縣、南坪縣", sentence) is None  # already whole
    assert the_members_asked("哪两个縣停班停課？", "東林縣、西灣縣", sentence) is None  # three listed, two asked


def test_a_reviewers_inputs_for_the_shape_rules() -> None:
    from retrieval.shapes import the_clock_time, the_reason_after, the_whole_place, without_attribution

    assert the_clock_time("沪指收于几点？", "3000点", "沪指收于3000点。") is None
    assert the_clock_time("商场几点关门？", "10:00至22:00", "营业时间10:00至22:00。") is None
    assert the_clock_time("活动几点开始？", "8点", "活动今晚8点开始。") == "今晚8点"
    assert the_clock_time("会议提出了几点意见？", "5点意见", "会议提出5点意见。") is None
    assert (
        the_whole_place("他在哪里出事？", "where", "广州", "他在广州参加活动时被送往医院。") is None
    )  # a verb between
    assert the_whole_place("在哪里？", "where", "澳门", "澳门酒店业复苏。") is None  # 酒店业 runs on
    assert the_whole_place("他来自哪里？", "where", "湖南省", "他来自湖南省的一个小乡村。") is None
    assert the_whole_place("在哪座城市举行？", "where", "杭州", "在杭州奥体中心体育场举行。") is None  # the city asked
    said = "市应急管理局通报称，事故系违规操作引起"
    assert without_attribution("哪个部门通报了事故原因？", said) is None  # the source is asked
    assert without_attribution("他做了什么？", "经朋友介绍，进入该公司工作") is None  # introduced, not quoted
    assert without_attribution("是什么？", "（简称：东视）旗下各频道") is None  # 简称 is no 称
    assert the_reason_after("why", "由于", "由于受冷空气影响，明天气温将下降8℃。") == "由于受冷空气影响"
