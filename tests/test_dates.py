"""Date expressions in questions become periods relative to an injected today."""

from __future__ import annotations

import datetime as dt

import pytest

from retrieval.dates import find_period, without_relative

TODAY = dt.date(2024, 7, 10)  # a Wednesday


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("今天发生了什么？", "2024-07-10", "2024-07-10"),
        ("昨天的报道怎么说？", "2024-07-09", "2024-07-09"),
        ("本周有什么变化？", "2024-07-08", "2024-07-10"),
        ("上周谁当选？", "2024-07-01", "2024-07-07"),
        ("上个月的产量是多少？", "2024-06-01", "2024-06-30"),
        ("8月27日发生了什么？", "2023-08-27", "2023-08-27"),  # not yet this year: last year's
        ("7月3日水位是多少？", "2024-07-03", "2024-07-03"),
        ("2022年的产量是多少？", "2022-01-01", "2022-12-31"),
        ("2024年7月3日水位是多少？", "2024-07-03", "2024-07-03"),
        ("今年3月完成了多少？", "2024-03-01", "2024-03-31"),
        ("去年计划什么时候开通？", "2023-01-01", "2023-12-31"),
        ("过去三天下了多少雨？", "2024-07-08", "2024-07-10"),
        ("What happened last week?", "2024-07-01", "2024-07-07"),
        ("What happened yesterday?", "2024-07-09", "2024-07-09"),
        ("What was the level on July 3?", "2024-07-03", "2024-07-03"),
        ("How many cases in May?", "2024-05-01", "2024-05-31"),
        ("What was the cost in June 2024?", "2024-06-01", "2024-06-30"),
        ("Anything in the last 7 days?", "2024-07-04", "2024-07-10"),
    ],
)
def test_periods(question: str, start: str, end: str) -> None:
    period = find_period(question, TODAY)
    assert period is not None and not period.latest
    assert (str(period.start), str(period.end)) == (start, end)


@pytest.mark.parametrize("question", ["最新的水位是多少？", "最近有什么新闻？", "What is the latest figure?"])
def test_latest_means_newest_first_without_dates(question: str) -> None:
    period = find_period(question, TODAY)
    assert period is not None and period.latest and not period.dated


@pytest.mark.parametrize("question", ["谁主持了会议？", "Who may attend the meeting?", "第一组考察了哪些企业？"])
def test_no_time_no_period(question: str) -> None:
    assert find_period(question, TODAY) is None


def test_contains_and_relative_words_removed_for_matching() -> None:
    period = find_period("上周水位是多少？", TODAY)
    assert period is not None and period.relative
    assert period.contains("2024-07-05T08:00:00") and not period.contains("2024-07-08") and not period.contains(None)
    assert without_relative("上周水位是多少？", period) == "水位是多少？"
    written = find_period("7月3日水位是多少？", TODAY)
    assert written is not None and not written.relative
    assert without_relative("7月3日水位是多少？", written) == "7月3日水位是多少？"  # articles write dates too


def test_the_current_period_s_words_stay_for_matching() -> None:
    # a report of this year writes 今年 for it (今年早稻播种面积…): the word matches; 去年 means 今年 in last year's
    this_year = find_period("今年早稻种了多少亩？", TODAY)
    assert this_year is not None and without_relative("今年早稻种了多少亩？", this_year) == "今年早稻种了多少亩？"
    last_year = find_period("去年早稻种了多少亩？", TODAY)
    assert last_year is not None and without_relative("去年早稻种了多少亩？", last_year) == "早稻种了多少亩？"


def test_traditional_characters_read_through_simplified_label_kept() -> None:
    period = find_period("上週的水位是多少？", TODAY)
    assert period is not None and period.label == "上週" and str(period.start) == "2024-07-01"
    assert without_relative("上週的水位是多少？", period) == "的水位是多少？"


def test_words_that_only_look_like_times_and_latest_words_kept_for_matching() -> None:
    assert find_period("全新设计体现在哪里？", TODAY) is None  # 体现 + 在, not 现在
    period = find_period("他现在的职务是什么？", TODAY)
    assert period is not None and period.latest
    assert without_relative("他现在的职务是什么？", period) == "他现在的职务是什么？"


def test_a_date_alone_is_told_from_a_figure() -> None:
    """What a "how many / how much" question cannot be answered with (the answer layer refuses it)."""
    from retrieval.dates import is_date_only

    assert all(is_date_only(t) for t in ("11月中旬", "2026年3月", "5月23日", "23日", " 3月底 "))
    assert not any(is_date_only(t) for t in ("2026年", "3.5万名", "100公里", "1至10月", "5月23日举行", ""))


def test_a_when_answer_said_relative_to_its_report_is_written_out_from_the_report_s_day() -> None:
    from retrieval.dates import dated_answer, report_day

    day = report_day("2025-03-19")  # no dateline: the publication day
    assert dated_answer("今天上午9时", day) == "3月19日上午9时"
    assert dated_answer("昨晚8时许", day) == "3月18日晚8时许"
    assert dated_answer("昨（18日）下午", day) == "3月18日下午"  # the day in brackets, not twice
    assert dated_answer("本月25日", day) == "3月25日"
    assert dated_answer("上月28日", day) == "2月28日"
    assert dated_answer("上月30日", day) is None  # no such day: as written
    assert dated_answer("去年10月", day) == "2024年10月"
    assert dated_answer("明年上半年", day) == "2026年上半年"
    assert dated_answer("当天下午", day) is None  # the day of an event the sentence names: as written
    assert dated_answer("3月19日", day) is None
    assert dated_answer("今后", day) is None and dated_answer("明确", day) is None  # 今 / 明 of other words
    assert dated_answer("今天", None) is None  # no day known
    assert dated_answer("昨天", report_day("2025-01-01")) == "2024年12月31日"  # another year: said
    assert dated_answer("昨（30日）上午", report_day("2025-05-02")) == "4月30日上午"  # the 30th nearest, not May's
    assert dated_answer("今晚8时", day) == "3月19日晚8时"
    for inside in ("大前天", "如今天气转暖时", "过去年均", "两年前天津港"):  # 前天, 今天, 去年, 前天 inside other words
        assert dated_answer(inside, day) is None
    assert dated_answer("昨天上午", report_day("0001-01-01")) is None  # a placeholder date: no overflow


def test_a_report_s_day_is_its_datelines_where_it_has_one() -> None:
    from retrieval.dates import report_day

    assert report_day("2025-03-20", "新华社南宁3月19日电（记者 林某）今天上午") == dt.date(2025, 3, 19)
    assert report_day("2025-01-02", "本报北京12月31日讯 今天") == dt.date(2024, 12, 31)  # printed in the new year
    assert report_day("2025-03-20", "（記者 林某／台北報導）今天") == dt.date(2025, 3, 20)
    assert report_day("2025-04-10", "新华社北京4月11日电（记者 林某）") == dt.date(2025, 4, 11)  # published in UTC
    assert report_day("2024-12-31", "新华社北京1月1日电 今天") == dt.date(2025, 1, 1)  # the nearest year
    assert report_day("2025-04-10", "3月5日电影节开幕，今天") == dt.date(2025, 4, 10)  # 电影: no dateline
    assert report_day(None, "") is None
