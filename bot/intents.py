"""Plain messages that mean a command: "最近有什么新闻？" → /latest, "这篇文章讲了什么？" → /summary."""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.text import to_simplified

_LATEST_ZH = re.compile(
    r"^(?:请问)?(?:最近|最新|近期|近日|今天|现在)(?:有)?(?:什么|啥|哪些)?(?:关于(?P<topic>.+?)的)?(?:新闻|消息|报道|动态)"
    r"(?:吗|呢|了)?[？?。！!\s]*$"
    r"|^(?P<topic2>.+?)(?:有什么|有啥|有哪些)?(?:最新|最近)(?:的)?(?:新闻|消息|报道|动态|进展)(?:吗|呢)?[？?。！!\s]*$"
)
_LATEST_EN = re.compile(
    r"^\s*(?:what'?s|what is|anything)\s+(?:new|the latest|latest)(?:\s+(?:about|on|with|in)\s+(?P<topic>.+?))?"
    r"[\s?.!]*$"
    r"|^\s*(?:latest|recent)\s+news(?:\s+(?:about|on)\s+(?P<topic2>.+?))?[\s?.!]*$",
    re.I,
)
_SUMMARY_ZH = re.compile(
    r"^(?:这|该|那)?(?:篇|则|条)?(?:文章|报道|新闻)(?:讲|说|写|报道)?了?(?:些)?(?:什么|啥)(?:内容)?(?:呢|吗)?[？?。\s]*$"
    r"|^(?:总结|概括|摘要)(?:一下)?(?:这|该)?(?:篇|则)?(?:文章|报道|新闻)?[？?。\s]*$"
    r"|^(?:这|该)(?:篇|则|条)?(?:文章|报道|新闻)的?(?:主要内容|大意|摘要)是?(?:什么)?[？?。\s]*$"
)
_SUMMARY_EN = re.compile(
    r"^\s*(?:what(?:'s| is| was)\s+(?:this|that|the)\s+(?:article|story|report)\s+about"
    r"|summari[sz]e\s+(?:this|that|the)\s+(?:article|story|report)|(?:give me )?a summary)[\s?.!]*$",
    re.I,
)


@dataclass(frozen=True)
class Intent:
    """A command a plain message stands for, with its argument."""

    command: str  # "latest" or "summary"
    args: str = ""


def intent(message: str) -> Intent | None:
    """The command a question means ("latest" with a topic, "summary"), or None for an ordinary question."""
    text = to_simplified(message.strip())  # 最近有什麼新聞 reads as 最近有什么新闻
    for pattern in (_LATEST_ZH, _LATEST_EN):
        m = pattern.match(text)
        if m:
            topic = (m.group("topic") or m.group("topic2") or "").strip(" 的，,")
            return Intent("latest", topic)
    if _SUMMARY_ZH.match(text) or _SUMMARY_EN.match(text):
        return Intent("summary")
    return None
