"""User-facing strings of the bot in Chinese and English; every value is plain text (escaped by the caller). A user who
writes Traditional characters (or whose Telegram locale is zh-TW/zh-HK) gets the Chinese strings in Traditional."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from retrieval.text import detect_lang, to_simplified, to_traditional

Lang = Literal["zh", "zh-Hant", "en"]  # zh-Hant: the "zh" strings converted by OpenCC (never a value put into them)
_HANT_LOCALES = ("zh-tw", "zh-hk", "zh-mo", "zh-hant")

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_LATIN = re.compile(r"[A-Za-z]")

MESSAGES: dict[str, dict[str, str]] = {
    "welcome": {
        "zh": "你好！我是新闻问答机器人。向我提问新闻文章里的内容，我会给出简短答案、原文证据和出处。",
        "en": "Hello! I answer questions about news articles with a short answer, the evidence sentences and "
        "the source.",
    },
    "knows": {
        "zh": "我目前知道 {articles} 篇文章（{chunks} 个段落），发布时间 {first} 至 {last}。",
        "en": "I currently know {articles} article{s} ({chunks} passages), published {first} to {last}.",
    },
    "knows_undated": {
        "zh": "我目前知道 {articles} 篇文章（{chunks} 个段落）。",
        "en": "I currently know {articles} article{s} ({chunks} passages).",
    },
    "no_index": {
        "zh": "索引还没有建立，暂时无法回答问题。请管理员发送 /reindex 建立索引。",
        "en": "The article index has not been built yet, so I cannot answer questions. An admin can run /reindex.",
    },
    "thanks_reply": {
        "zh": "不客气！还有关于新闻的问题，随时问我。",
        "en": "You're welcome! Ask me anything else about the news.",
    },
    "ack_reply": {
        "zh": "好的！还有关于新闻的问题，随时问我。",
        "en": "OK! Ask me anything else about the news.",
    },
    "examples_title": {"zh": "示例问题：", "en": "Example questions:"},
    "commands": {
        "zh": "命令：/ask 问题 — 提问（群组里使用）；/source — 上一条回答的原文段落；/latest [主题] — 最新文章；"
        "/summary [序号] — 文章摘要；/new — 开始新话题（忘记上一个问题）；/help — 帮助；"
        "/stats、/reindex、/add、/feeds — 管理员专用。"
        "在私聊中直接发送问题即可；可以接着追问（如“他说了什么？”“那上海呢？”），也可以按时间问"
        "（“昨天……”“上周……”“最新的……”）。在任何聊天里输入 @机器人名 问题 也能得到回答。",
        "en": "Commands: /ask question — ask (use it in groups); /source — the last answer's source passage; /latest "
        "[topic] — newest articles; /summary [N] — summary of an article; /new — start over (forget the last "
        "question); /help — this help; /stats, /reindex, /add, /feeds — admins only. "
        'In a private chat just send your question; follow-ups work ("What did she say?", "And when?"), and '
        'so do times ("yesterday", "last week", "latest"). In any chat, type @botname question for an inline '
        "answer.",
    },
    "understood": {"zh": "（理解为：{question}）", "en": "(understood as: {question})"},
    "understood_article": {
        "zh": "（理解为：关于上一篇文章《{title}》：{question}）",
        "en": "(understood as: about the previous article, {title}: {question})",
    },
    "reported_on": {"zh": "（据 {date} 的报道）", "en": "(as reported on {date})"},
    "outside_asked": {
        "zh": "⚠️ 没有找到{period}的文章；这个答案来自 {date} 的报道。",
        "en": "⚠️ No article from {period}; this answer is from a report of {date}.",
    },
    "older_than_asked": {
        "zh": "⚠️ 没有找到{period}的文章；这个答案来自 {date} 的报道，早于你问的时间。",
        "en": "⚠️ No article from {period}; this answer is from a report of {date}, older than you asked.",
    },
    "undated_than_asked": {
        "zh": "⚠️ 没有找到{period}的文章；这个答案来自一篇没有日期的报道。",
        "en": "⚠️ No article from {period}; this answer is from an undated report.",
    },
    "earlier_report": {"zh": "较早的报道：", "en": "Earlier report: "},
    "sources_agree": {"zh": "（多篇报道一致）", "en": "(several reports agree)"},
    "new_done": {
        "zh": "好的，重新开始。接下来的问题不会再联系上一个问题。",
        "en": "OK, starting over: the next question will not be read as a follow-up.",
    },
    "latest_title": {"zh": "最新文章：", "en": "Newest articles:"},
    "latest_topic_title": {"zh": "关于“{topic}”的最新文章：", "en": "Newest articles about “{topic}”:"},
    "latest_none": {"zh": "没有找到相关文章。", "en": "No articles found."},
    "latest_period_title": {"zh": "{period}的文章：", "en": "Articles from {period}:"},
    "latest_none_period": {"zh": "没有找到{period}的文章。", "en": "No articles from {period}."},
    "latest_hint": {
        "zh": "发送 /summary 序号 查看某篇的摘要。",
        "en": "Send /summary N for a summary of one of them.",
    },
    "summary_title": {"zh": "摘要：", "en": "Summary:"},
    "summary_none": {
        "zh": "要总结哪篇文章？先提一个问题或发送 /latest，再发送 /summary 或 /summary 序号。",
        "en": "Which article? Ask a question or send /latest first, then /summary or /summary N.",
    },
    "summary_bad_number": {
        "zh": "没有第 {n} 篇。请用 /latest 列出的序号（1 到 {count}）。",
        "en": "There is no number {n}. Use a number from the /latest list (1 to {count}).",
    },
    "summary_empty": {"zh": "这篇文章没有可以摘录的完整句子。", "en": "This article has no full sentences to quote."},
    "inline_hint": {
        "zh": "输入问题，例如：谁宣布了这项政策？",
        "en": "Type a question, e.g. Who announced the policy?",
    },
    "empty_question": {
        "zh": "请在 /ask 后面写上你的问题，例如：/ask 这篇报道是哪天发布的？",
        "en": "Please write your question after /ask, for example: /ask When was the article published?",
    },
    "not_a_question": {
        "zh": "我没有看懂这条消息。请用文字提一个关于新闻文章的问题。",
        "en": "I could not read a question in that message. Please ask about the news articles in words.",
    },
    "truncated": {
        "zh": "问题太长，只使用了前 {limit} 个字符。",
        "en": "Your question was too long; only its first {limit} characters were used.",
    },
    "not_found": {
        "zh": "抱歉，现有文章中没有找到这个问题的答案。",
        "en": "Sorry, the articles I have do not contain the answer to that.",
    },
    "closest": {"zh": "最接近的文章：", "en": "Closest article: "},
    "also": {"zh": "另见：", "en": "See also: "},
    "link": {"zh": "原文", "en": "link"},
    "show_source": {"zh": "查看原文段落", "en": "Show source passage"},
    "source_gone": {
        "zh": "这条回答的原文已经过期，请重新提问。",
        "en": "That answer is too old to show its source; please ask again.",
    },
    "source_none": {
        "zh": "还没有可以查看原文的回答：先提一个问题吧。",
        "en": "There is no recent answer to show the source of: ask a question first.",
    },
    "source_title": {"zh": "原文段落", "en": "Source passage"},
    "error": {
        "zh": "抱歉，处理你的消息时出错了，请稍后再试。",
        "en": "Sorry, something went wrong while handling your message. Please try again later.",
    },
    "store_down": {
        "zh": "抱歉，文章索引暂时无法访问，请稍后再试。",
        "en": "Sorry, the article index cannot be reached right now. Please try again in a minute.",
    },
    "unknown_command": {
        "zh": "不认识这个命令。发送 /help 查看可用命令。",
        "en": "I do not know that command. Send /help to see what I can do.",
    },
    "admin_only": {
        "zh": "抱歉，这个命令只有管理员可以使用。",
        "en": "Sorry, only an admin can use this command.",
    },
    "reindex_started": {"zh": "开始重建索引……", "en": "Rebuilding the index…"},
    "reindex_progress": {
        "zh": "正在重建索引：{done}/{total}（{percent}%）",
        "en": "Rebuilding the index: {done}/{total} ({percent}%)",
    },
    "reindex_running": {
        "zh": "索引正在重建中，请等它完成后再试。期间仍可正常提问。",
        "en": "A rebuild is already running; please wait for it to finish. Questions are still answered meanwhile.",
    },
    "reindex_done": {"zh": "索引重建完成：", "en": "Rebuild finished: "},
    "reindex_summary": {
        "zh": "共 {articles} 篇文章（新增 {added}、修改 {changed}、删除 {removed}、跳过 {skipped}），{chunks} 个段落，"
        "新计算向量 {embedded} 个，用时 {seconds:.1f} 秒［索引版本 {generation}］",
        "en": "indexed {articles} articles ({added} added, {changed} changed, {removed} removed, {skipped} skipped), "
        "{chunks} chunks, {embedded} embedded, in {seconds:.1f}s [generation {generation}]",
    },
    "cause_data_dir": {"zh": "文章文件夹不存在", "en": "the article folder is missing"},
    "cause_disk": {"zh": "无法写入磁盘", "en": "the disk could not be written"},
    "cause_index": {"zh": "索引出错", "en": "an index error"},
    "cause_internal": {"zh": "程序内部错误", "en": "an internal error"},
    "upload_failed": {"zh": "文件没有保存。原因：", "en": "The file was not saved. Reason: "},
    "reindex_skipped": {"zh": "跳过的文件：", "en": "Skipped files: "},
    "reindex_failed": {
        "zh": "索引重建失败，旧索引继续使用。原因：",
        "en": "The rebuild failed; the previous index keeps serving. Reason: ",
    },
    "stats": {
        "zh": "文章：{articles}\n段落：{chunks}\n模型：{model}（{dimension} 维）\n存储：{store}\n"
        "索引版本：{generation}\n建立时间：{built_at}（{age}前）\n发布时间范围：{first} 至 {last}\n"
        "上次重建：{last_report}",
        "en": "Articles: {articles}\nPassages: {chunks}\nModel: {model} ({dimension} dims)\nStore: {store}\n"
        "Index generation: {generation}\nBuilt: {built_at} ({age} ago)\nPublished: {first} to {last}\n"
        "Last rebuild: {last_report}",
    },
    "via_llm": {
        "zh": "🤖 答案由语言模型组织，已与原文核对",
        "en": "🤖 Phrased by a language model, checked against the articles",
    },
    "via_extractive": {"zh": "📄 答案直接摘自原文", "en": "📄 Answer taken directly from the articles"},
    "stats_llm": {
        "zh": "语言模型 {model}：调用 {calls} 次，采用 {answered}，失败 {failures}，未通过核对 {rejected}，"
        "模型拒答 {refused}，超出限额 {limited}，改用摘录 {fallbacks}，平均耗时 {latency} 毫秒",
        "en": "Language model {model}: {calls} calls, {answered} used, {failures} failed, {rejected} rejected by "
        "verification, {refused} refused, {limited} over the limit, {fallbacks} fallbacks, mean {latency} ms",
    },
    "no_last_report": {"zh": "本次运行中尚未重建", "en": "none since the bot started"},
    "unknown": {"zh": "未知", "en": "unknown"},
    "upload_refused": {
        "zh": "抱歉，只有管理员可以上传文章。",
        "en": "Sorry, only an admin can upload articles.",
    },
    "upload_bad_type": {
        "zh": "不支持这种文件。可以上传的格式：{allowed}。",
        "en": "That file type is not supported. Allowed: {allowed}.",
    },
    "upload_too_big": {
        "zh": "文件太大（上限 {limit}）。",
        "en": "The file is too large (limit {limit}).",
    },
    "upload_empty": {"zh": "文件是空的。", "en": "The file is empty."},
    "upload_saved": {"zh": "已保存为 {name}，正在加入索引。", "en": "Saved as {name}; adding it to the index."},
    "upload_renamed": {
        "zh": "已有同名文件 {original}，没有覆盖，新文件保存为 {name}。",
        "en": "A file named {original} already exists; it was not overwritten. Saved as {name} instead.",
    },
    "throttled": {
        "zh": "你发消息太快了，请稍等几秒再问。",
        "en": "You are sending messages too quickly; please wait a few seconds.",
    },
    "reported_by": {"zh": "（同一报道另见：{outlets}）", "en": "(also reported by {outlets})"},
    "add_usage": {
        "zh": "请在 /add 后面写上文章链接，例如：/add https://example.com/news/1.html",
        "en": "Please put an article link after /add, for example: /add https://example.com/news/1.html",
    },
    "add_saved": {"zh": "已保存：", "en": "Saved: "},
    "add_merged": {"zh": "已合并为同一报道：", "en": "Merged as the same story: "},
    "add_duplicate": {"zh": "已有这篇文章：", "en": "Already have it: "},
    "add_failed": {"zh": "未能添加 {url}：", "en": "Could not add {url}: "},
    "add_unindexed": {"zh": "没有新内容需要加入索引。", "en": "Nothing new to index."},
    "fetch_timeout": {"zh": "超时", "en": "timed out"},
    "fetch_blocked": {"zh": "不允许访问的地址", "en": "an address that may not be fetched"},
    "fetch_too_large": {"zh": "页面太大", "en": "too large"},
    "fetch_not_article": {"zh": "不是文章", "en": "not an article"},
    "fetch_http": {"zh": "网站返回错误", "en": "the site answered with an error"},
    "fetch_network": {"zh": "无法连接", "en": "could not connect"},
    "fetch_bad_url": {"zh": "链接无效", "en": "not a valid link"},
    "feeds_usage": {
        "zh": "用法：/feeds（列出）、/feeds add 链接、/feeds remove 链接、/feeds fetch（立即抓取）",
        "en": "Usage: /feeds (list), /feeds add URL, /feeds remove URL, /feeds fetch (poll now)",
    },
    "feeds_list": {"zh": "订阅的源（{count} 个）：", "en": "Feeds ({count}):"},
    "feeds_empty": {
        "zh": "还没有订阅任何源。用 /feeds add 链接 添加。",
        "en": "No feeds yet. Add one with /feeds add URL.",
    },
    "feeds_added": {"zh": "已添加：{url}", "en": "Added: {url}"},
    "feeds_exists": {"zh": "已经在列表里：{url}", "en": "Already listed: {url}"},
    "feeds_removed": {"zh": "已删除：{url}", "en": "Removed: {url}"},
    "feeds_missing": {"zh": "列表里没有：{url}", "en": "Not listed: {url}"},
    "feeds_polled": {
        "zh": "抓取了 {feeds} 个源（{unchanged} 个无更新，{failed} 个失败）：{new} 条新内容，"
        "保存 {saved}，合并 {merged}，重复 {duplicate}，失败 {errors}。",
        "en": "Polled {feeds} feeds ({unchanged} unchanged, {failed} failed): {new} new items, {saved} saved, "
        "{merged} merged, {duplicate} duplicates, {errors} failed.",
    },
    "feed_failed": {"zh": "源 {url} 已跳过：", "en": "Feed {url} skipped: "},
}

EXAMPLES: dict[str, list[str]] = {
    "zh": ["这篇报道是哪天发布的？", "文章提到的会议在哪里举行？", "谁宣布了这项政策？"],
    "en": ["When was the article published?", "Where was the meeting held?", "Who announced the policy?"],
}


def text(lang: Lang, key: str, **values: object) -> str:
    """The UI string `key` in `lang`, formatted with `values` (which stay as given: titles and answers keep the
    article's script)."""
    table = MESSAGES[key]
    template = to_traditional(table["zh"]) if lang == "zh-Hant" else table[lang]
    return template.format(**values) if values else template


def examples(lang: Lang) -> list[str]:
    """The example questions of /help in the user's script (English ones as they are)."""
    zh = [to_traditional(q) for q in EXAMPLES["zh"]] if lang == "zh-Hant" else EXAMPLES["zh"]
    return zh + EXAMPLES["en"]


def detect_language(message: str | None, language_code: str | None = None) -> Lang:
    """The message's language (retrieval/text.py's detector; Chinese punctuation alone counts as Chinese), else the
    user's locale.

    Chinese is the default when nothing tells otherwise: the bot is Chinese first.
    """
    locale = (language_code or "").lower()
    message = unicodedata.normalize("NFKC", message) if message else message  # ＷＨＯ　ＷＯＮ？ is English
    if message and (_CJK.search(message) or _LATIN.search(message)):
        if detect_lang(message) != "zh" and _LATIN.search(message):
            return "en"
        traditional = to_simplified(message) != message
        hant_user = locale.startswith(_HANT_LOCALES) and not _simplified_only(message)
        return "zh-Hant" if traditional or hant_user else "zh"
    if locale and not locale.startswith("zh"):
        return "en"
    return "zh-Hant" if locale.startswith(_HANT_LOCALES) else "zh"


def _simplified_only(message: str) -> bool:
    """Whether the message uses characters only Simplified writes (its Traditional form differs)."""
    return to_traditional(message) != message
