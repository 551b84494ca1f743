"""A number question is not answered with a figure of another measure (预算 -> 11公里)."""

from __future__ import annotations

from retrieval.measures import (
    answer_measure,
    asked_measure,
    differs,
    has_figure,
    mismatched,
    the_measure_asked,
    with_its_unit,
)


def test_the_measure_a_question_asks_for() -> None:
    assert asked_measure("公司去年营收多少？") == "money" and asked_measure("工程預算是多少") == "money"
    assert asked_measure("决赛打了多长时间") == "duration" and asked_measure("他今年几岁？") == "age"
    assert asked_measure("大桥全长多少？") == "length" and asked_measure("多长时间") == "duration"
    assert asked_measure("受灾面积多大？") == "area" and asked_measure("出口占比是多少") == "share"
    assert asked_measure("有多少人参加？") is None  # a count: any figure of people
    assert asked_measure("花了多少钱、多长时间？") is None  # two measures: either answers


def test_the_measure_an_answer_gives() -> None:
    assert answer_measure("41.2亿元") == "money" and answer_measure("32萬5000美元") == "money"
    assert answer_measure("75分鐘") == "duration" and answer_measure("6个小时") == "duration"
    assert answer_measure("47歲") == "age" and answer_measure("9.4千公顷") == "area"
    assert answer_measure("约7公里") == "length" and answer_measure("35.1%") == "share"
    assert answer_measure("5场") == "count"
    assert answer_measure("2025年") is None and answer_measure("3月11日") is None  # dates are not durations
    assert answer_measure("被告应赔偿原告各项损失共计19.5万元及维权合理开支") is None  # a clause


def test_a_figure_of_another_measure_is_a_mismatch() -> None:
    assert mismatched("工程预算是多少？", "约7公里") and mismatched("月薪是多少", "47岁")
    assert mismatched("决赛打了多长时间", "5场") and mismatched("去年营收多少？", "35.1%")
    assert not mismatched("去年营收多少？", "41.2亿元") and not mismatched("有多少人受灾？", "9.3万人")
    assert not mismatched("工程预算是多少？", "约6.3亿元")


def test_counts_and_changes_ask_no_measure_of_their_words() -> None:
    # the measure words qualify what is counted, or a share answers the change
    assert not mismatched("获得补贴的农户有多少户？", "3200户") and not mismatched("援助资金惠及多少人？", "5万人")
    assert not mismatched("年龄在60岁以上的老人有多少人？", "3.2万人")
    assert not mismatched("任期内共出访多少次？", "30次")
    assert not mismatched("前三季度营收同比增长多少？", "12.5%") and not mismatched("利润下降了多少？", "三成")
    assert not mismatched("距离市中心多远？", "30分钟车程")  # a distance in time
    assert answer_measure("100多成员") is None  # 多 then 成 of 成员: no share


def test_money_asked_as_people_type_it() -> None:
    assert asked_measure("坐地铁最贵要几块钱") == "money" and mismatched("坐地铁最贵要几块钱", "半小时")
    assert not mismatched("票价几块钱", "5元")


def test_a_figure_alone_is_told_from_an_answer_that_holds_one() -> None:
    from retrieval.measures import is_figure

    assert is_figure("12人") and is_figure("3.5亿元")  # no answer to "who"
    assert not is_figure("李明") and not is_figure("6名专家和3名律师") and not is_figure("12")


def test_a_figure_gets_the_unit_it_is_written_with_unless_the_question_writes_it() -> None:
    from retrieval.measures import with_its_unit

    sentence = "今年晚會總預算為1,350萬澳門元，較去年增加約12%。"
    assert with_its_unit("晚會總預算是多少", "1,350萬", sentence) == "1,350萬澳門元"
    assert with_its_unit("晚會總預算是多少", "1,350萬澳門元", sentence) is None  # already whole
    assert with_its_unit("花了多少美元", "1,200", "花了1,200美元。") is None  # the question writes it
    assert with_its_unit("比去年增加百分之多少", "12", sentence) is None  # % written 百分之
    assert with_its_unit("共有多少车站", "23", "共设车站23座，其中换乘站5座") == "23座"
    assert with_its_unit("谁主持", "李明", "李明主持") is None  # no figure
    # the figure where it stands, not inside a longer one: 8 of 历时8个月, not of 3月18日
    assert with_its_unit("抓获多少人", "8", "3月18日，警方历时8个月破案。") == "8个月"
    assert with_its_unit("死亡多少", "1", "12人受伤，其中1人死亡") == "1人"
    assert with_its_unit("有多少国家参加", "20", "G20峰会共有20个国家参加") == "20个"


def test_a_word_that_qualifies_a_figure_stays_with_it() -> None:
    from retrieval.measures import with_its_qualifier

    assert with_its_qualifier("300头", "野外种群已不足300头。") == "不足300头"
    assert with_its_qualifier("2万人次", "预计可吸引逾2万人次参观") == "逾2万人次"
    assert with_its_qualifier("18亿元", "总投资约18亿元") is None  # 约 is left as the reader chose
    assert with_its_qualifier("300头", "共有300头。") is None
    assert with_its_qualifier("300头", "去年有1300头，今年已不足300头。") == "不足300头"  # not the 300头 of 1300头


def test_a_number_question_of_no_known_measure_takes_the_one_figure_of_a_clause() -> None:
    from retrieval.measures import the_one_figure

    assert the_one_figure("能吸引多少人次参观？", "预计活动期间可吸引逾30万人次参观") == "逾30万人次"
    assert the_one_figure("他获得第几名？", "他在决赛中获得第3名") == "第3名"  # an ordinal keeps its 第
    assert the_one_figure("有多少人？", "共有120名学生和30名教师") is None  # two figures: not told apart
    assert the_one_figure("有多少人？", "3月5日开幕，来宾约两百人") == "约两百人"  # 3月5日 is the calendar's
    assert the_one_figure("有多少人？", "3月5日开幕") is None
    assert the_one_figure("有多少人次？", "30万人次") is None  # already the figure
    assert the_one_figure("投资多少钱？", "总投资约18亿元，工期3年") is None  # a known measure: the_measure_asked
    assert the_one_figure("西元幾年建成？", "該橋在1829年建成，全長3公里") is None  # a year asked
    assert the_one_figure("民國幾年改制？", "該市於民國19年改為省轄市") is None  # an era's year
    assert the_one_figure("致歉声明要刊登多少天？", "在网站首页连续7日刊登致歉声明") is None  # 7日 would read as a day
    assert the_one_figure("能保护多少人口？", "可保护堤后约42万人口") == "约42万人口"  # the unit's word whole
    assert the_one_figure("能容纳多少人？", "每场活动人数不超过300人") == "不超过300人"  # not 超过300人
    assert the_one_figure("有多少所学校停课？", "受台风影响，附近3所学校停课") == "3所"  # 近 of 附近: no qualifier
    assert the_one_figure("有几人是儿童？", "伤者中有3人为儿童") == "3人"  # not 3人为 (jieba's 人为)
    assert the_one_figure("有多少遊客？", "去年全年遊客人數達到3,200萬人次") == "3,200萬人次"  # 达到: no range
    # left whole where the figure is not clearly the count asked
    assert the_one_figure("售出了多少张门票？", "展览开幕三天来已售出门票5万张") is None  # 5万 has no unit here
    assert the_one_figure("七台河市有多少人口？", "七台河市常住人口约68万") is None  # a name, not 七台
    assert the_one_figure("最高气温多少度？", "最高气温达38度，已持续3天") is None  # not the unit asked
    assert the_one_figure("他排名第几？", "他在120名选手中排名第5") is None  # an ordinal asked
    assert the_one_figure("展览几号开幕？", "展览于5号开幕，为期3天") is None  # a day asked
    assert the_one_figure("统一了几个国家？", "秦始皇于公元前221年统一六国") is None  # a year counts nothing


def test_a_length_of_time_alone_is_told_from_a_date() -> None:
    from retrieval.measures import is_duration

    assert is_duration("12天") and is_duration("3个月") and is_duration("约2小时")
    assert not is_duration("民國26年") and not is_duration("5月3日") and not is_duration("2026年")


def test_a_count_of_things_is_not_answered_with_a_quantity() -> None:
    assert mismatched("平日有几班车？", "45分钟") and mismatched("有多少家企业参展", "3.5亿元")
    assert not mismatched("平日有几班车？", "52班") and not mismatched("一共用了几个小时？", "6个小时")


def test_a_clause_answer_to_a_question_of_a_known_measure_gives_its_one_figure_of_that_measure() -> None:
    from retrieval.measures import the_measure_asked

    assert the_measure_asked("恢复率是多少", "截至12日，已恢复供电7.1万户，恢复率达81%") == "81%"
    assert the_measure_asked("罚了多少钱？", "公司被处以罚款新台币45万元") == "新台币45万元"  # its currency stays
    assert the_measure_asked("占比多少", "占比两成不到，较去年下降") == "两成不到"
    assert the_measure_asked("奖金多少？", "冠军奖金2万1500美元") is None  # a number inside another
    assert the_measure_asked("海拔多少米？", "生长于海拔300米至900米的地区") is None  # a range's end
    assert the_measure_asked("长度是多少厘米？", "全长约3cm（1.2英寸）") is None  # not the unit asked
    assert the_measure_asked("哪种疾病占百分之二十？", "心脏病占20%") is None  # a which-question
    assert the_measure_asked("罚了多少钱？", "约45万元") is None  # already that figure


def test_figures_written_with_a_full_width_point_or_a_compound_share_and_qualifiers_of_other_words() -> None:
    from retrieval.measures import the_measure_asked, with_its_qualifier, with_its_unit

    assert the_measure_asked("全长多少公里", "全长3．5公里，设23座车站") == "3．5公里"
    assert the_measure_asked("降幅多少", "降幅达二成五") == "二成五"
    assert with_its_qualifier("3号出口", "他住在靠近3号出口的地方") is None  # no figure with a unit; 靠近
    assert with_its_qualifier("一家", "最近一家超市") is None
    assert with_its_qualifier("600只", "将近600只") == "将近600只"
    assert not mismatched("几个人花了多少钱", "3万元") and not mismatched("多少个工作日", "10天")
    assert with_its_unit("多少", "100", "建校100周年") == "100周年"


def test_an_answers_unit_against_a_measure_named_elsewhere() -> None:
    assert answer_measure("5亿日圆") == "money"  # the 日 of 日圆 is no day
    assert differs("weight", "1.8米") and not differs("weight", "4.6公斤")
    assert differs("count", "15999元") and not differs("count", "4.2万台")
    assert not differs("money", "1,200")  # no unit: nothing to compare
    assert has_figure("五分之四") and has_figure("12.6万人") and not has_figure("局地大暴雨")


def test_a_figure_takes_its_unit_after_a_magnitude_written_apart() -> None:
    sentence = "預計帶動餐飲及零售額外消費約1.2億澳門元。"
    assert with_its_unit("额外消费多少？", "1.2", sentence) == "1.2億澳門元"


def test_a_length_of_time_asked_is_not_a_date_and_is_read_whole() -> None:
    assert mismatched("网购多久能退款？", "7月31日前")  # a date for 多久
    assert not mismatched("多久以前就有种稻的记录？", "公元前8200年")  # 多久以前 asks a date
    refund = "可在7月31日前办理退款，线上订单可在5个工作日内完成退款。"
    assert the_measure_asked("网购多久能退款？", refund) == "5个工作日内"  # 7月 and 31日 are a date's; 内 kept
    assert the_measure_asked("大火烧了多久？", "消防员花了约4小时20分钟才将火扑灭") == "约4小时20分钟"
    assert the_measure_asked("他有多高？", "他身高1米93，体重90公斤") == "1米93"
    assert the_measure_asked("手术做了多长时间？", "整个手术历时约4个半小时，出血不足100毫升") == "约4个半小时"
    assert the_measure_asked("续航多长时间？", "续航时间由6小时提升到11小时") is None  # two figures: left as read


def test_a_reviewers_inputs_for_the_measure_rules() -> None:
    """Inputs a review found wrong answers for (each was wrong before its fix)."""
    assert not mismatched("仓库里有多少台机器人？", "300台") and not mismatched(
        "多少座人行天桥？", "12座"
    )  # 人 of a word
    assert not mismatched("他被行政拘留几天？", "行政拘留10日") and not mismatched("多少天内整改？", "15日内")
    assert answer_measure("300亿日币") == "money" and answer_measure("3亿人民币") == "money"
    assert (
        not has_figure("一起非法") and not has_figure("统一") and has_figure("一百多年") and has_figure("约两平方公里")
    )
    assert the_measure_asked("飞行多久？", "全程飞行3个多小时") == "3个多小时"
    assert the_measure_asked("工期多久？", "工期1年半") == "1年半"
    assert the_measure_asked("用时多久？", "用时1小时零5分") == "1小时零5分"
    assert the_measure_asked("他多高？", "他身高一米八") == "一米八"
    assert the_measure_asked("坚守了多久？", "他在岗位上坚守了30年") == "30年"  # a two-digit 年 is no date
    assert the_measure_asked("用时多久？", "用时从5小时缩短至3小时") is None  # a change: not the old value
    assert differs("age", "800多年") is False  # how old (a temple) in years
