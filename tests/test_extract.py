"""Typed span extraction on sentences written for the tests: names, places, organisations, dates, numbers, lists."""

from __future__ import annotations

from retrieval.extract import (
    dates,
    enumerations,
    extract,
    numbers,
    orgs,
    persons,
    places,
    titles,
    trim_answer,
)
from retrieval.questions import classify
from retrieval.text import split_sentences


def texts(spans) -> list[str]:
    return [s.text for s in spans]


def test_split_sentences_offsets_are_verbatim() -> None:
    text = "第一句话。第二句话！\n  Third one here. Fourth?"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["第一句话。", "第二句话！", "Third one here.", "Fourth?"]


def test_persons_including_split_three_character_names() -> None:
    assert "周明远" in texts(persons("滨江市市长周明远出席开幕式并致辞。"))
    found = texts(persons("会上，张建国、李红梅代表双方签署协议。"))
    assert "张建国" in found and "李红梅" in found
    assert texts(persons("张志强、陈立军代表两市签署协议。")) == ["张志强", "陈立军"]  # 陈立|军代表: the name is 陈立军
    assert texts(persons("市水利局局长林锡文说，工程已完工。")) == ["林锡文"]  # 林锡|文说: the name is 林锡文
    assert texts(persons("局长张伟说，工程已完工。")) == ["张伟"]  # a two-character name before 说 stays so
    assert texts(persons("局长张伟正在现场指挥。")) == ["张伟"] and texts(persons("局长张伟坚称，")) == ["张伟"]
    assert "武汉人" not in texts(persons("市长武汉人说"))  # a person of a place, not a name
    assert texts(persons("主犯郑某强以诈骗罪被判刑。")) == ["郑某强"]  # 郑某|强以: a court report's party
    assert texts(persons("张某曾以此为由拒绝。")) == ["张某"]  # 曾 is the sentence going on
    assert texts(persons("市交通局副局长邢台生表示，")) == ["邢台生"]  # 邢台 read as a place after a post
    assert texts(persons("在马国璋总统任期內")) == ["马国璋"]  # 任期 after a post is no name
    assert texts(persons("会上，张伟副局长介绍了有关情况。")) == ["张伟"]  # a post after it is not its 3rd character
    assert "李明代" not in texts(persons("李明代市长出席会议并讲话。"))  # 李|明代: a time word is no given name
    assert "马克·吐温" in texts(persons("作家马克·吐温曾到访此地。"))
    assert "Linda Park" in texts(persons("Mayor Linda Park cut the ribbon."))


def test_a_name_after_a_post_is_found_however_jieba_tags_its_surname() -> None:
    """jieba cuts 黄|志远 (黄 an adjective), 刘|国华 and 郑|国华 (国华 a word): after a post they are names; a
    conjunction after a post is not a surname (书记和市长)."""
    assert texts(persons("广东省副省长黄志远当天赶赴湛江。")) == ["黄志远"]  # not 志远
    assert texts(persons("临江市市长刘国华、市委副书记赵明成出席仪式。")) == ["刘国华", "赵明成"]
    assert texts(persons("董事长郑国华作了工作报告。")) == ["郑国华"]
    assert texts(persons("市委书记和市长出席会议。")) == []
    assert texts(persons("省统计局局长孙建中在发布会上说，增长较快。")) == ["孙建中"]  # 孙|建中: jieba reads a verb
    assert texts(persons("局长孙表示，增长较快。")) == [] and texts(persons("市长孙出席会议。")) == []


def test_places_and_orgs() -> None:
    assert any("杭州" in p for p in texts(places("会议在杭州市举行。")))
    assert "清远星河电子股份有限公司" in texts(orgs("代表团在清远星河电子股份有限公司参观。"))
    assert "Northbridge Engineering Ltd" in texts(orgs("It was built by Northbridge Engineering Ltd."))


def test_dates_and_spans() -> None:
    assert "11月3日至5日" in texts(dates("11月3日至5日，博览会举行。"))
    assert "2024年6月1日下午" in texts(dates("2024年6月1日下午，大桥通车。"))
    assert "March 12, 2024" in texts(dates("It opened on March 12, 2024."))


def test_numbers_with_units() -> None:
    found = texts(numbers("共有320家企业参展，观众超过12万人次，投资约3.5亿元。"))
    assert "320家" in found
    assert any(f.startswith("约3.5亿元") for f in found)


def test_titles() -> None:
    assert texts(titles("双方签署了《战略合作框架协议》。")) == ["《战略合作框架协议》"]


def test_enumerations_with_head_noun() -> None:
    (en,) = [e for e in enumerations("第一路考察了星河科技、蓝海数据、云帆智能等企业。") if e.head]
    assert en.items == ("星河科技", "蓝海数据", "云帆智能")
    assert en.head == "企业"
    (en2,) = enumerations("第二路考察了青禾电子、远航软件和北辰机器人等企业。")
    assert en2.items == ("青禾电子", "远航软件", "北辰机器人")


def test_extract_by_question_kind() -> None:
    s = "2023年9月，滨江大学与星河科技在滨江市签署了人才培养合作协议。"
    assert extract(s, classify("滨江大学与星河科技什么时候签署了协议？")).text.startswith("2023年9月")
    assert "滨江市" in extract(s, classify("滨江大学与星河科技在哪里签署了协议？")).text
    who = extract("会上，市长周明远宣布了新的招商政策。", classify("谁宣布了新的招商政策？"))
    assert who.text == "周明远"


def test_extract_aligns_what_questions() -> None:
    ans = extract("如今这座湖泊被誉为“高原明珠”，吸引了大量游客。", classify("这座湖泊被誉为什么？"))
    assert "高原明珠" in ans.text and len(ans.text) <= 20


def test_why_takes_the_reason_clause() -> None:
    ans = extract("由于连日暴雨，比赛被推迟到下周举行。", classify("比赛为什么被推迟？"))
    assert ans.text == "由于连日暴雨"


def test_trim_answer() -> None:
    assert trim_answer("是“高原明珠”，") == "高原明珠"
    assert trim_answer("《协议》") == "《协议》"


def test_places_join_addresses_but_not_coordinated_places() -> None:
    found = texts(places("代表团访问了北京和上海，随后前往泰国的首都曼谷的乍都节县。"))
    assert "北京" in found and "上海" in found
    assert "泰国的首都曼谷的乍都节县" in found


def test_transliterated_names_keep_every_part() -> None:
    assert "伊恩·法兰明" in texts(persons("占士·邦是一个由伊恩·法兰明所创作的虚构人物。"))


def test_english_quantities_dates_and_firms() -> None:
    assert texts(numbers("The project cost 840 million dollars.")) == ["840 million dollars"]
    assert texts(numbers("A toll of 2 dollars will apply from July 1.")) == ["2 dollars"]  # July 1 is a date
    assert "September" in texts(dates("Service is scheduled to begin in September."))
    assert "Aster & Vale" in texts(orgs("It was designed by the engineering firm Aster & Vale."))


def test_ranges_of_numbers_and_dates_are_one_span() -> None:
    assert "海拔300米至1,200米" not in texts(numbers("该树生长于海拔300米至1,200米的山坡。"))
    assert "300米至1,200米" in texts(numbers("该树生长于海拔300米至1,200米的山坡。"))
    assert "约15公尺" in texts(numbers("成年个体体长约15公尺。"))
    assert "2010年5月3日及5月4日" in texts(dates("比赛于2010年5月3日及5月4日举行。"))


def test_a_short_where_slot_is_returned_whole_and_a_comma_before_a_year_ends_the_clause() -> None:
    got = extract("青石车站位于滨海新区海港路东段,1990年启用。", classify("青石车站位于哪里？")).text
    assert "滨海新区海港路东段" in got
    assert "1990" not in got
    assert classify("青石车站位于哪里？").right == ""


def test_split_foreign_names_are_joined_and_runs_of_titles_answer_together() -> None:
    assert "伊万·谢苗诺维奇" in texts(persons("来访的是伊万·谢苗诺维奇。"))
    got = extract("他演出过《山歌》 《长河》、《远方》等剧目。", classify("他演出过什么剧目？")).text
    assert "《山歌》 《长河》、《远方》" in got
