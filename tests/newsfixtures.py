"""Synthetic news pages and feeds for the ingestion tests: distinct Chinese stories, RSS and Atom documents."""

from __future__ import annotations

import random
from html import escape

_PLACES = ["江城", "海州", "云岭", "北原", "南湖", "青山", "东港", "西川", "石门", "白沙", "金水", "柳河"]
_ORGS = ["市政府", "交通局", "教育厅", "气象台", "卫健委", "农业农村局", "科技馆", "博物馆", "港务集团", "水利站"]
_ACTS = ["召开", "发布", "启动", "完成", "签署", "举办", "通报", "验收", "部署", "公布"]
_THINGS = [
    "防汛工作会议", "春季招聘计划", "新建地铁线路", "乡村道路改造", "科普展览", "文物修复成果", "港口扩建方案",
    "水库除险加固", "义务教育报告", "医疗服务改革", "粮食收购价格", "夜间经济规划", "旧城更新项目", "体育赛事安排",
]  # fmt: skip
_NAMES = ["张建国", "李晓梅", "王海涛", "赵云飞", "陈思远", "刘佳宁", "周文博", "吴立新", "郑雨晴", "孙志强"]


def story(n: int, sentences: int = 6) -> tuple[str, str]:
    """(title, text) of a made-up news story; different n give different stories (seeded, reproducible)."""
    rng = random.Random(n * 7919 + 13)
    place, org, act, thing = rng.choice(_PLACES), rng.choice(_ORGS), rng.choice(_ACTS), rng.choice(_THINGS)
    title = f"{place}{org}{act}{thing}（第{n}号）"
    body = []
    for i in range(sentences):
        who, num = rng.choice(_NAMES), rng.randint(2, 9999)
        p2, o2, t2 = rng.choice(_PLACES), rng.choice(_ORGS), rng.choice(_THINGS)
        body.append(
            f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日，{p2}{o2}负责人{who}介绍，"
            f"{t2}第{i + 1}阶段共涉及{num}个项目，编号{n}-{i}-{rng.randint(100, 999)}。"
        )
    return title, "".join(body)


def page(title: str, text: str, *, date: str = "2026-03-01", site: str = "江城日报", charset: str = "utf-8") -> str:
    """An HTML news page with the metadata trafilatura reads (title, date, site name) and site chrome."""
    paras = "".join(f"<p>{escape(s)}。</p>" for s in text.split("。") if s)
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{escape(title)}</title>'
        f'<meta property="og:title" content="{escape(title)}">'
        f'<meta property="og:site_name" content="{escape(site)}">'
        f'<meta name="pubdate" content="{date}"><meta property="article:published_time" content="{date}">'
        f"</head><body><nav>首页 | 新闻 | 体育</nav><article><h1>{escape(title)}</h1>{paras}</article>"
        f"<footer>版权所有</footer></body></html>"
    )


def rss(items: list[tuple[str, str, str]], title: str = "江城日报") -> str:
    """An RSS 2.0 feed of (guid, link, title) items."""
    body = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link><guid>{escape(g)}</guid>"
        f"<pubDate>Sun, 01 Mar 2026 08:00:00 GMT</pubDate></item>"
        for g, link, t in items
    )
    head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0">'
    return f"{head}<channel><title>{title}</title>{body}</channel></rss>"


def atom(items: list[tuple[str, str, str]], title: str = "海州晚报") -> str:
    """An Atom feed of (id, link, title) entries."""
    body = "".join(
        f'<entry><id>{escape(g)}</id><title>{escape(t)}</title><link href="{escape(link)}"/>'
        f"<updated>2026-03-02T08:00:00Z</updated></entry>"
        for g, link, t in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>'
        f"<id>urn:feed</id><updated>2026-03-02T08:00:00Z</updated>{body}</feed>"
    )
