"""Plain messages that mean a command: "最近有什么新闻？" → /latest, "这篇文章讲了什么？" → /summary, "你好" → /help,
"谢谢" → a short "you're welcome", "好的" → a short reply (none of them a question to search the articles for), a name
alone ("张建国", "Zhejiang") → /latest about it."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from retrieval.dates import find_period
from retrieval.text import detect_lang, to_mandarin, to_simplified

_LATEST_ZH = re.compile(
    r"^(?:请问)?(?:最近|最新|近期|近日|今天|现在)(?:有)?(?:什么|啥|哪些)?(?:关于(?P<topic>.+?)的)?(?:新闻|消息|报[道导]|动态)"
    r"(?:吗|呢|了)?[？?。！!\s]*$"
    r"|^(?P<topic2>.+?)(?:有什么|有啥|有哪些)?(?:最新|最近)(?:的)?(?:新闻|消息|报[道导]|动态|进展)(?:吗|呢)?[？?。！!\s]*$"
)
# "上周有什么新闻？", "What happened last week?": the articles of that period. The period is whatever the one date
# parser (retrieval/dates.py) reads as a whole there, so 上週, 10月 and "in October" count as well.
_PERIOD_NEWS_ZH = re.compile(
    r"^(?:请问)?(?P<period>[^，,。？?\s]{1,12}?)(?:有)?(?:什么|啥|哪些)(?:关于(?P<topic>.+?)的)?"
    r"(?:新闻|消息|报[道导]|动态|事)(?:吗|呢|了)?[？?。！!\s]*$"
)
_PERIOD_NEWS_EN = re.compile(
    r"^\s*(?:what(?:'s| is| was)?\s+(?:the\s+)?news|what\s+happened|any\s+news|news)"
    r"(?:\s+(?:about|on)\s+(?P<topic>.+?))?\s+(?P<period>[a-z0-9 ]{3,24}?)[\s?.!]*$",
    re.I,
)


def _a_period(expression: str) -> bool:
    """Whether the expression, all of it, is a period the date parser reads (上周, 10月, last week)."""
    found = find_period(expression, dt.date.today())
    return found is not None and found.dated and found.label.strip().lower() == expression.strip().lower()


_LATEST_EN = re.compile(
    r"^\s*(?:what'?s|what is|anything)\s+(?:new|the latest|latest)(?:\s+(?:about|on|with|in)\s+(?P<topic>.+?))?"
    r"[\s?.!]*$"
    r"|^\s*(?:latest|recent)\s+news(?:\s+(?:about|on)\s+(?P<topic2>.+?))?[\s?.!]*$",
    re.I,
)
_SUMMARY_ZH = re.compile(
    r"^(?:这|该|那)?(?:篇|则|条)?(?:文章|报[道导]|新闻)(?:讲|说|写|报[道导])?了?(?:些)?(?:什么|啥)(?:内容)?(?:呢|吗)?[？?。\s]*$"
    r"|^(?:总结|概括|摘要)(?:一下)?(?:这|该)?(?:篇|则)?(?:文章|报[道导]|新闻)?[？?。\s]*$"
    r"|^(?:这|该)(?:篇|则|条)?(?:文章|报[道导]|新闻)的?(?:主要内容|大意|摘要)是?(?:什么)?[？?。\s]*$"
)
_SUMMARY_EN = re.compile(
    r"^\s*(?:what(?:'s| is| was)\s+(?:this|that|the)\s+(?:article|story|report)\s+about"
    r"|summari[sz]e\s+(?:this|that|the)\s+(?:article|story|report)|(?:give me )?a summary)[\s?.!]*$",
    re.I,
)

# Whole messages only, so a question that contains such a word ("谁表示感谢？") stays a question.
_GREETING = re.compile(
    r"^(?:你好|您好|嗨|哈喽|哈啰|早上好|上午好|中午好|下午好|晚上好|早安|早晨|在吗|在不在|有人吗"
    r"|hi|hello|hey|hiya|howdy|greetings|good (?:morning|afternoon|evening|day))"
    r"(?:啊|呀|呢|哦)?(?:[,，\s]*(?:there|bot|newsbot|机器人))?[!！。.~～?？\s]*$",
    re.I,
)
_HELP = re.compile(
    r"^(?:help|menu|what can you do|how does (?:this|it) work"
    r"|帮助|帮忙|菜单|使用说明|怎么用|如何使用|你能做什么|你会什么)[?？!！。.\s]*$",
    re.I,
)
_ACK = re.compile(
    r"^(?:ok|okay|k|got it|i see|好|好的|好吧|嗯|嗯嗯|哦|收到|明白|明白了|知道了|了解)[!！。.~～\s]*$", re.I
)
_THANKS = re.compile(
    r"^(?:(?:好的|好|嗯|ok|okay|great|cool|nice|perfect|got it|明白了|知道了)[,，!！。.\s]*)?"
    r"(?:谢谢|多谢|感谢|谢了|谢啦|唔该|thanks|thank you|thx|ty|cheers|many thanks)"
    r"(?:\s*(?:你|您|啦|了|晒|你晒|a lot|so much|very much))?(?:[,，\s]*(?:bot|newsbot|机器人))?[!！。.~～\s]*$",
    re.I,
)

_NAME_FLAGS = frozenset({"nr", "nrt", "nrfg", "ns", "nt", "nz"})  # jieba's person, place, organisation, other name
_EN_NAME = re.compile(r"[A-Z][A-Za-z'\-]*")


def _names_only(text: str) -> bool:
    """A message that is only a name or two (张建国, 浙江省, Zhejiang, Zhang Wei) asks what the articles say about it:
    the newest articles about it answer that, where a span read for a question nobody asked would not (the span
    reader was trained on questions: a name alone was answered with a neighbouring name)."""
    body = text.strip(" !！。.~～")
    if not body or len(body) > 24 or re.search(r"[?？,，;；:：、]", body):
        return False
    if detect_lang(body) == "zh":
        from retrieval.tagging import pos_tokens

        tokens = [flag for word, flag in pos_tokens(body) if word.strip()]
        return len(body) <= 12 and bool(tokens) and all(flag in _NAME_FLAGS for flag in tokens)
    from retrieval.questions import classify

    words = body.split()
    return 1 <= len(words) <= 3 and all(_EN_NAME.fullmatch(w) for w in words) and classify(body).kind == "other"


@dataclass(frozen=True)
class Intent:
    """A command a plain message stands for, with its argument."""

    command: str  # "latest", "summary", "greeting" (also a plea for help), "thanks" or "ack" ("ok", "好的")
    args: str = ""
    period: str = ""  # "latest" only: the period asked about, as written (上周, last week); "" = newest first


def intent(message: str) -> Intent | None:
    """The command a message means ("latest" with a topic, "summary", "greeting", "thanks", "ack"), or None for an
    ordinary question."""
    text = to_simplified(message.strip())  # 最近有什麼新聞 reads as 最近有什么新闻
    if _THANKS.match(text):  # 唔该 before it reads as Mandarin
        return Intent("thanks")
    text = to_mandarin(text)  # 讲咗乜嘢 reads as 讲了什么
    for pattern in (_PERIOD_NEWS_ZH, _PERIOD_NEWS_EN):
        m = pattern.match(text)
        if m and _a_period(m.group("period")):
            return Intent("latest", (m.group("topic") or "").strip(" 的，,"), m.group("period"))
    for pattern in (_LATEST_ZH, _LATEST_EN):
        m = pattern.match(text)
        if m:
            topic = (m.group("topic") or m.group("topic2") or "").strip(" 的，,")
            return Intent("latest", topic)
    if _SUMMARY_ZH.match(text) or _SUMMARY_EN.match(text):
        return Intent("summary")
    text = re.sub(r"\s+", " ", text)
    if _GREETING.match(text) or _HELP.match(text):
        return Intent("greeting")
    if _THANKS.match(text):
        return Intent("thanks")
    if _ACK.match(text):
        return Intent("ack")
    if _names_only(text):
        return Intent("latest", text.strip(" !！。.~～"))
    return None
