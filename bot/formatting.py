"""Telegram-HTML rendering of answers, splitting into valid parts, and HTML-to-text for the local harness."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from bot.messages import Lang, text
from retrieval.evaluation import normalize
from retrieval.models import Answer, Article, Source
from retrieval.rules import source_of
from retrieval.text import to_simplified

# Telegram's limit on one message, counted in UTF-16 code units. We count the raw HTML (tags included), which is
# stricter than Telegram's count of the visible text, so a part never bounces for length.
MAX_MESSAGE_UTF16 = 4096
# Room kept in each part for the closing and reopening tags around a split.
_TAG_RESERVE = 256

_PREPOSITION = re.compile(r"^\s*(?:in|on|during|from|at|of|since)\s+", re.IGNORECASE)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s[^>]*)?)>")
# A sentence ends after Chinese or Western end punctuation (plus closing quotes/brackets), or at a newline.
# ASCII ";" is left out: in escaped HTML it ends every entity (&amp;).
_SENTENCE_END = re.compile(r"(?:[。！？!?；…]+[”’」』》）)\"']*|\.(?=\s)|\n)\s*")


def _mentions(source: Source, answer: str) -> bool:
    """Whether a source's passage holds the answer, compared in Simplified with case, width and punctuation folded
    (a retrieved article that merely shares words with the question is not worth a "see also")."""
    wanted = normalize(to_simplified(answer))
    return bool(wanted) and wanted in normalize(to_simplified(source.text))


def esc(value: object) -> str:
    """Escape any text for Telegram HTML (quotes too, so it is safe inside attributes)."""
    return html.escape(str(value), quote=True)


def utf16_len(value: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's message limit."""
    return len(value.encode("utf-16-le")) // 2


def _date(value: str | None) -> str | None:
    if not value:
        return None
    return value[:10] if re.match(r"\d{4}-\d{2}-\d{2}", value) else value


def _safe_url(url: str | None) -> str | None:
    if url and re.match(r"https?://\S+$", url.strip()):
        return url.strip()
    return None


def source_line(source: Source, lang: Lang) -> str:
    """Title · outlet · date · link, escaped."""
    parts = [esc(source.title) if lang == "en" else f"《{esc(source.title)}》"]
    if source.source:
        parts.append(esc(source.source))
    date = _date(source.published)
    if date:
        parts.append(esc(date))
    url = _safe_url(source.url)
    if url:
        parts.append(f'<a href="{esc(url)}">{esc(text(lang, "link"))}</a>')
    return " · ".join(parts)


def reported_by(source: Source, lang: Lang) -> str:
    """ " (also reported by outlet, outlet)" for an article with merged syndicated copies, else empty."""
    outlets = list(dict.fromkeys(r.source or r.title for r in source.also_reported_by if r.source or r.title))
    if not outlets:
        return ""
    shown = (", " if lang == "en" else "、").join(outlets[:5]) + ("…" if len(outlets) > 5 else "")
    return " " + esc(text(lang, "reported_by", outlets=shown))


def _distinct_sources(sources: list[Source], limit: int = 3) -> list[Source]:
    seen: set[str] = set()
    out: list[Source] = []
    for s in sources:
        if s.article_id not in seen:
            seen.add(s.article_id)
            out.append(s)
        if len(out) == limit:
            break
    return out


def format_answer(answer: Answer, lang: Lang, understood: str = "") -> str:
    """The reply to a question: bold answer, quoted evidence, source line; or a polite refusal.

    `understood` (plain text, e.g. "（理解为：…）") follows the first line: how a follow-up was completed.
    """
    sources = _distinct_sources(answer.sources)
    note = [f"<i>{esc(understood)}</i>"] if understood else []
    if not answer.answered:
        lines = [esc(text(lang, "not_found")), *note]
        if sources:
            lines.append(esc(text(lang, "closest")) + source_line(sources[0], lang))
        return "\n".join(lines)
    blocks: list[str] = []
    first = f"<b>{esc(answer.answer.strip())}</b>" if answer.answer.strip() else ""
    if first and answer.reading:  # a Chinese answer to an English question, in pinyin
        first += f" ({esc(answer.reading)})"
    date = _date(sources[0].published) if sources else None
    if first and (answer.period or answer.earlier) and date:  # about a time, or reports differ: say which day's
        first += " " + esc(text(lang, "reported_on", date=date))
    if first and answer.corroborated:
        first += " " + esc(text(lang, "sources_agree"))
    if first:
        blocks.append(first)
    blocks.extend(note)
    if answer.outside_period and answer.period:  # no article of the asked time answered: say so, never silently
        key = {"older": "older_than_asked", "newer": "outside_asked"}.get(answer.outside_period, "undated_than_asked")
        period = _PREPOSITION.sub("", answer.period) if lang == "en" else answer.period  # "from October", not "from in"
        blocks.append(esc(text(lang, key, period=period, date=date or "")))
    evidence = list(dict.fromkeys(e.strip() for e in answer.evidence if e.strip()))  # each sentence once, in order
    if evidence:
        blocks.append("<blockquote>" + "\n".join(esc(e) for e in evidence) + "</blockquote>")
    if sources:
        blocks.append("📰 " + source_line(sources[0], lang) + reported_by(sources[0], lang))
        shown_below = {e.source.article_id for e in answer.earlier}  # an earlier report has its own line
        for extra in sources[1:]:  # other articles only where they bear on it: they agree, or mention the answer
            if extra.article_id not in shown_below and (answer.corroborated or _mentions(extra, answer.answer)):
                blocks.append(esc(text(lang, "also")) + source_line(extra, lang))
    for earlier in answer.earlier:  # other articles that said otherwise, newest first after the answer
        quote = "".join(f"\n<blockquote>{esc(e.strip())}</blockquote>" for e in earlier.evidence[:1] if e.strip())
        blocks.append(
            esc(text(lang, "earlier_report")) + f"<b>{esc(earlier.answer.strip())}</b>"
            f" · {source_line(earlier.source, lang)}{quote}"
        )
    if blocks and answer.via is not None:  # a language model is configured: say which path answered
        blocks.append(f"<i>{esc(text(lang, 'via_llm' if answer.via == 'llm' else 'via_extractive'))}</i>")
    return "\n".join(blocks) if blocks else esc(text(lang, "not_found"))


def format_latest(articles: list[Article], lang: Lang, topic: str = "", period: str = "") -> str:
    """/latest: numbered title · outlet · date · link lines, newest first; with a period, its articles."""
    period = _PREPOSITION.sub("", period) if lang == "en" else period  # "from October", not "from in October"
    if not articles:
        return esc(text(lang, "latest_none_period", period=period) if period else text(lang, "latest_none"))
    if period:
        head = text(lang, "latest_period_title", period=period)
    else:
        head = text(lang, "latest_topic_title", topic=topic) if topic else text(lang, "latest_title")
    lines = [f"<b>{esc(head)}</b>"]
    lines.extend(f"{i}. " + source_line(source_of(a, "", 0.0), lang) for i, a in enumerate(articles, 1))
    lines.append(esc(text(lang, "latest_hint")))
    return "\n".join(lines)


def format_summary(article: Article, sentences: list[str], lang: Lang) -> str:
    """/summary: the chosen sentences quoted verbatim, then the source line."""
    if not sentences:
        return esc(text(lang, "summary_empty")) + "\n📰 " + source_line(source_of(article, "", 0.0), lang)
    quote = "<blockquote>" + "\n".join(esc(s) for s in sentences) + "</blockquote>"
    return f"<b>{esc(text(lang, 'summary_title'))}</b>\n{quote}\n📰 " + source_line(source_of(article, "", 0.0), lang)


def format_source_passage(source: Source, lang: Lang) -> str:
    """The full passage behind an answer, for the "show source" button."""
    return (
        f"<b>{esc(text(lang, 'source_title'))}</b> — {source_line(source, lang)}\n"
        f"<blockquote>{esc(source.text.strip())}</blockquote>"
    )


# --- splitting -------------------------------------------------------------------------------------------------


def _sentences(segment: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(segment):
        if m.end() > start:
            out.append(segment[start : m.end()])
            start = m.end()
    if start < len(segment):
        out.append(segment[start:])
    return out


def _hard_split(piece: str, size: int) -> list[str]:
    """Cut an over-long sentence into runs of at most `size` UTF-16 units, never inside an entity."""
    out: list[str] = []
    while utf16_len(piece) > size:
        cut = size
        while utf16_len(piece[:cut]) > size:
            cut -= 1
        amp = piece.rfind("&", max(0, cut - 10), cut)
        if amp > 0 and ";" not in piece[amp:cut]:
            cut = amp
        # prefer a space, if there is one in the last fifth
        space = piece.rfind(" ", cut - size // 5, cut)
        if space > 0:
            cut = space + 1
        out.append(piece[:cut])
        piece = piece[cut:]
    if piece:
        out.append(piece)
    return out


def split_html(value: str, limit: int = MAX_MESSAGE_UTF16) -> list[str]:
    """Split Telegram HTML into parts of at most `limit` UTF-16 units, at sentence boundaries.

    Tags open at a cut are closed at the end of the part and reopened at the start of the next one, so each part
    is valid HTML on its own. Only the simple markup produced by this module is expected (no comments).
    """
    if utf16_len(value) <= limit:
        return [value]
    atom_max = max(16, limit - _TAG_RESERVE)
    tokens: list[tuple[str, str]] = []  # ("tag" | "text", raw)
    pos = 0
    for m in _TAG.finditer(value):
        if m.start() > pos:
            tokens.extend(("text", a) for s in _sentences(value[pos : m.start()]) for a in _hard_split(s, atom_max))
        tokens.append(("tag", m.group(0)))
        pos = m.end()
    if pos < len(value):
        tokens.extend(("text", a) for s in _sentences(value[pos:]) for a in _hard_split(s, atom_max))

    parts: list[str] = []
    stack: list[tuple[str, str]] = []  # (name, opening tag)
    current = ""
    has_text = False

    def closing(st: list[tuple[str, str]]) -> str:
        return "".join(f"</{name}>" for name, _ in reversed(st))

    def flush() -> None:
        nonlocal current, has_text
        parts.append(current + closing(stack))
        current = "".join(tag for _, tag in stack)
        has_text = False

    for kind, raw in tokens:
        if kind == "text":
            if has_text and utf16_len(current) + utf16_len(raw) + utf16_len(closing(stack)) > limit:
                flush()
            current += raw
            has_text = has_text or bool(raw.strip())
            continue
        tag = _TAG.fullmatch(raw)
        assert tag is not None
        is_close, name = tag.group(1) == "/", tag.group(2).lower()
        if is_close:
            current += raw
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == name:
                    del stack[i]
                    break
        else:
            new_stack = [*stack, (name, raw)]
            if has_text and utf16_len(current) + utf16_len(raw) + utf16_len(closing(new_stack)) > limit:
                flush()
            current += raw
            stack = new_stack
    if has_text:
        parts.append(current + closing(stack))
    return [p.strip() for p in parts if p.strip()]


# --- plain text for the local harness ----------------------------------------------------------------------------


class _TextRenderer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.quote = 0
        self.href: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "blockquote":
            self.quote += 1
            if self.out and not "".join(self.out).endswith("\n"):
                self.out.append("\n")
            self.out.append("│ ")
        elif tag == "a":
            self.href.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "blockquote":
            self.quote = max(0, self.quote - 1)
        elif tag == "a" and self.href:
            href = self.href.pop()
            if href:
                self.out.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        if self.quote:
            data = data.replace("\n", "\n│ ")
        self.out.append(data)


def html_to_text(value: str) -> str:
    """Readable plain text of Telegram HTML: tags dropped, quotes marked with │, links shown after their text."""
    renderer = _TextRenderer()
    renderer.feed(value)
    renderer.close()
    return "".join(renderer.out)
