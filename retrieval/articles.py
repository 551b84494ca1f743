"""Read article files (.txt/.md saved pages, .html, .json/.jsonl) into clean Article objects."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import stat
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from retrieval.errors import ArticleParseError, DataDirMissing, describe_os_error
from retrieval.models import Article, Report, SkippedFile
from retrieval.text import to_simplified

log = logging.getLogger(__name__)

# The one list of accepted article files, shared by the parser, the folder walk and the upload check.
SUFFIXES = (".txt", ".md", ".html", ".htm", ".json", ".jsonl")
MAX_FILE_BYTES = 20 * 1024 * 1024  # a news article is far smaller; larger files are almost surely not articles

# Metadata labels of saved Chinese news pages (and their common English equivalents); Traditional pages (發布時間,
# 來源) match through their Simplified form, the value is read from the line as written.
_LABELS = {
    "published": r"发布时间|发布日期|发表时间|日期|时间|Published|Date",
    "source": r"来源|稿源|出处|发布单位|发布机关|发布机构|Source",
    "author": r"作者|记者|撰稿人|编辑|责任编辑|By|Author",
}
_ANY_LABEL = "|".join(_LABELS.values())
# A value runs to the next label (or any short "word：" after a space, 浏览次数：356), a "|", a "【", two spaces or the
# end: "Source: Riverton Herald  Author: Maria Lopez" and "来源: 贵州省审计厅 作者:佚名" alike.
_LABEL_RE = {
    key: re.compile(
        rf"(?:^|[\s|｜])(?:{pat})\s*[:：]\s*(\S.*?)(?=\s{{2,}}|\s*[|｜【]|\s+(?:{_ANY_LABEL})\s*[:：]|\s+[^\s\d:：]{{1,6}}[:：]|\s*$)",
        re.IGNORECASE,
    )
    for key, pat in _LABELS.items()
}
_BYLINE_RE = re.compile(r"(?:^|[\s|｜])By\s+([A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})\s*(?=[|｜]|\s{2,}|$)")
# The value must look like an address: "原文：各中小学校…" and "链接：什么是…" are body text.
_URL_LINE = re.compile(
    r"^(?:原文链接|原文连结|原文地址|原文|来源链接|链接|连结|网址|URL|Source URL|Original)\s*[:：]\s*"
    r"((?:https?://|www\.)\S+|[\w-]+(?:\.[\w-]+)+/\S*)",
    re.IGNORECASE,
)
# Site chrome before the headline and boilerplate after the body: general phrasings of news sites.
_CHROME_LINE = re.compile(
    r"^(?:欢迎(?:来到|访问|光临)|当前位置|您(?:现在)?的位置|首页\s*[>＞»/]|设为首页|加入收藏|打印本页|关闭窗口|"
    r"分享到|扫一扫|【字体|字号[:：]|Home\s*[>»/]|You are here)",
    re.IGNORECASE,
)
# A disclaimer is labelled (声明：, 【声明】, 免责声明), not a sentence that starts with the word ("声明称，…",
# "Copyright holders of the design…").
_DISCLAIMER_LINE = re.compile(
    r"^[\[【(（]?\s*(?:免责声明|版权声明|声明\s*[:：】\])）]|Disclaimer\b|Copyright\s*(?:©|\(c\)|\d{4}|[:：])|©)|^版权所有",
    re.IGNORECASE,
)
# Lines of the page around the story, dropped wherever they are: editors' credits, share and follow prompts, app ads.
_SITE_LINE = re.compile(
    r"^(?:[【\[(（]\s*(?:纠错|责任编辑|责编|编辑|来源)[^】\])）]{0,24}[】\])）]\s*)+$|"
    r"^(?:责任编辑|责编|编辑|审核|校对|审校|终审|监制|统筹|值班编辑|来源)\s*[:：]\s*[^，。,]{0,20}$|"
    r"^(?:分享到|分享\s+点赞|阅读原文|点击蓝字|点击上方|长按识别|扫码关注|更多精彩|点我下载|点击下载|下载APP|按我看|END$|"
    r"Reporting by|Editing by|Our Standards:|Share$|Save$)",
    re.IGNORECASE,
)
# Where the story ends and the page's lists of other stories begin.
_MORE_STORIES = re.compile(
    r"^[【\[]?\s*(?:相关新闻|相关阅读|相关推荐|相关报道|往期推荐|往期回顾|延伸阅读|推荐阅读|热点推荐|"
    r"Related (?:topics|stories|news)|More on this story|Read more)\s*[】\]:：]?\s*$",
    re.IGNORECASE,
)
# A line that holds a full date and little else: "2026-11-20 09:12:30 来源：新华网", "2026/11/20 10:30",
# "原创 记者 林晓雯 青溪日报 2026-11-20 08:30 发表于浙江", "November 20, 2026 10:30 AM GMT+8".
DATELINE_CHARS = 60
_SENTENCE_END = re.compile(r"[。！？!?]|\.\s")
_BREADCRUMB = re.compile(r"\S\s*[>＞»]\s*\S.*[>＞»]")
_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
# "November 20, 2026", "Nov. 20 2026", "20 November 2026"
_EN_DATE_RE = re.compile(
    rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b|\b(\d{{1,2}})\s+{_MONTH},?\s+(\d{{4}})\b", re.I
)
# Taiwan's government pages date by the Republic of China calendar: 115-11-24, 民國115年10月2日 (year + 1911).
_ROC_DATE_RE = re.compile(r"(?<!\d)(?:民[国國]\s*)?(\d{2,3})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
ROC_OFFSET = 1911
ROC_YEARS = (60, 200)  # 1971-2111: the years a news page is dated in; outside them such a string is not a date


@dataclass
class LoadResult:
    """Articles read from a data directory, and the files (or lines) that were skipped with why."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)


# Chinese punctuation that NFKC would turn into ASCII (，→, ：→:, and the ．／ of Taiwan and Hong Kong text:
# 阿迪．蘇普里亞托, 李明／王強): kept as written, since evidence is quoted verbatim.
_KEEP_PUNCT = re.compile(r"[^，：；！？（）～．／]+")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalize_text(text: str) -> str:
    """NFKC (full-width letters and digits to ASCII) except Chinese punctuation, unified newlines, trimmed lines,
    no blank runs."""
    text = _KEEP_PUNCT.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\u200b", "").replace("\ufeff", "").replace("\u3000", " ")
    text = _CONTROL.sub("", text)  # NUL and other control characters: never part of an answer
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def iso_date(value: str | None) -> str | None:
    """The first date in a string as YYYY-MM-DD, or the input trimmed when it holds no recognisable date."""
    if not value:
        return None
    match = _DATE_RE.search(value)
    roc = None if match else _ROC_DATE_RE.search(value)
    if roc and not ROC_YEARS[0] <= int(roc[1]) <= ROC_YEARS[1]:  # 26-11-20 is not 1937
        roc = None
    for found, offset in ((match, 0), (roc, ROC_OFFSET)):
        if found:
            try:
                return date(int(found[1]) + offset, int(found[2]), int(found[3])).isoformat()
            except ValueError:
                pass
    english = None if match or roc else _EN_DATE_RE.search(value)
    if english:
        month, day, year = (english[1], english[2], english[3]) if english[1] else (english[5], english[4], english[6])
        try:
            return date(int(year), _MONTHS.index(month.lower()[:3]) + 1, int(day)).isoformat()
        except ValueError:
            pass
    return value.strip() or None


def content_hash(article: Article) -> str:
    """Hash of everything that ends up in the index for this article (used for incremental rebuilds)."""
    # also_reported_by only when present: articles without merged copies keep the hashes of earlier indexes
    payload = article.model_dump_json(exclude={"path"} if article.also_reported_by else {"path", "also_reported_by"})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


# Legacy Chinese encodings a page without UTF-8 may be in: GB18030 (a superset of GBK/GB2312) on the mainland, Big5
# in Taiwan and Hong Kong. Big5 bytes also decode as GB18030 without an error (into nonsense: 台中捷運 -> い倍笲),
# so which one it is is measured by charset-normalizer (MIT; trafilatura's own dependency) rather than tried in turn.
LEGACY_ENCODINGS = ("gb18030", "big5", "big5hkscs")


def decode_bytes(raw: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or UTF-16 with its BOM; else the legacy Chinese encoding that reads best."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with its BOM (Notepad's "Unicode"): NULs in every other byte
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ArticleParseError("cannot decode as UTF-16") from exc
    head = raw[:4096]
    if head.count(b"\x00") * 100 > len(head):  # over 1% NULs: binary; a stray one in a text is dropped, not the file
        raise ArticleParseError("binary content (NUL bytes), not a text article")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # imported here: only files that are not UTF-8 need it

    best = from_bytes(raw, cp_isolation=list(LEGACY_ENCODINGS)).best()
    for encoding in ([best.encoding] if best is not None else []) + ["gb18030"]:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    raise ArticleParseError("cannot decode as UTF-8, UTF-16, GB18030 or Big5")


def _meta_fields(line: str) -> dict[str, str]:
    found: dict[str, str] = {}
    folded = to_simplified(line)  # same length and offsets as the line
    for key, pattern in _LABEL_RE.items():
        match = pattern.search(folded)
        if match:
            found[key] = line[match.start(1) : match.end(1)].strip()
    byline = None if "author" in found else _BYLINE_RE.search(line)
    if byline:  # "… | By Jane Doe"
        found["author"] = byline[1]
    if "published" in found:
        # "发布时间:2022-08-31 10:00" keeps only the date part; the time is in the next token.
        found["published"] = iso_date(found["published"]) or found["published"]
    return found


def _is_chrome(line: str) -> bool:
    """A welcome line, a "you are here" line or a breadcrumb, in either script."""
    return bool(_CHROME_LINE.match(to_simplified(line)) or _BREADCRUMB.search(line))


def _is_meta_line(line: str) -> bool:
    fields = _meta_fields(line)
    dated = _DATE_RE.search(line) or _ROC_DATE_RE.search(line) or _EN_DATE_RE.search(line)
    return len(fields) >= 2 or ("published" in fields and len(line) < 80 and dated is not None)


def parse_saved_page(text: str, article_id: str, path: str | None = None) -> Article:
    """Parse a saved web page in plain text: chrome, headline, metadata (one line, or a block of labelled lines:
    标题：/来源：/发布时间：/原文链接：…), body, link, disclaimer."""
    front, text = _front_matter(normalize_text(text))
    lines = [_MD_MARKS.sub("", _MD_BOLD.sub(r"\1", ln)) for ln in text.split("\n")]
    header = _header_block(lines)
    meta = dict(front)
    url: str | None = None
    if "title" in front and (header is None or header[0] != 0):
        header = (0, 0)  # the front matter is the header (with labelled lines right under it, if any)
    if header is not None:
        first, last = header
        for line in lines[first:last]:
            for key, value in _header_fields(line).items():
                meta.setdefault(key, value)
        chrome = max((i for i in range(first) if lines[i] and _is_chrome(lines[i])), default=-1)
        before = [ln for ln in lines[chrome + 1 : first] if ln and not _SHORT_FIELD.match(ln)]
        # The headline is the longest of the last lines above the metadata (and below any breadcrumb): an outlet's
        # name (澎湃新闻) or a byline may sit between them.
        title = meta.get("title") or max(before[-HEADLINE_WINDOW:], key=len, default="")
        url = meta.get("url")
        body_lines = lines[last:]
    else:
        content = [ln for ln in lines if ln and not _is_chrome(ln)]
        title = content[0] if content else ""
        at = lines.index(title) if title else len(lines)
        # A pasted story without its headline starts with a paragraph: it stays in the text, and its first sentence
        # names the article.
        pasted = len(title) > TITLE_CHARS or title.endswith("。") or bool(_SENTENCE_END.search(title.rstrip(".!?")))
        body_lines = lines[at:] if pasted else lines[at + 1 :]
        if pasted:
            title = _SENTENCE_END.split(title, maxsplit=1)[0][:TITLE_CHARS]
    body: list[str] = []
    for line in body_lines:
        folded = to_simplified(line)  # labels in either script; values as written
        link = _URL_LINE.match(folded)
        if link:
            url = url or line[link.start(1) : link.end(1)]
            break  # everything after the original link is site boilerplate
        if _DISCLAIMER_LINE.match(folded) or _MORE_STORIES.match(folded):
            break
        if _CHROME_LINE.match(folded) or _SITE_LINE.match(folded):
            continue
        body.append(line)
    title = title.strip()
    body_text = normalize_text("\n".join(body))
    if not body_text:
        raise ArticleParseError("no article text found")
    items = [ln for ln in body if ln]
    if sum(1 for ln in items if _LINK_ITEM.match(ln)) > LINK_LIST_SHARE * len(items):
        raise ArticleParseError("a list of links, not an article (add the articles themselves, or /add their links)")
    return Article(
        id=article_id,
        title=title or body_text[:30],
        text=body_text,
        url=url,
        published=meta.get("published"),
        source=meta.get("source"),
        author=meta.get("author"),
        path=path,
    )


# Markdown: a heading's #s, a quote's >, **bold**; the text stays.
_MD_MARKS = re.compile(r"^(?:#{1,6}\s+|>\s?)+")
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK_ITEM = re.compile(r"^(?:[-*+]|\d+[.)])?\s*\[[^\]]*\]\((?:https?://|www\.)[^)]*\)\s*$")
LINK_LIST_SHARE = 0.8  # a page whose lines are nearly all Markdown links lists articles; it is not one
_FRONT_MATTER = re.compile(r"^---\n(.*?)\n---(?:\n|$)", re.DOTALL)


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    """A Markdown file's YAML front matter (--- title: … date: … ---) as article fields (the JSON_KEYS names), and
    the text after it; ({}, text) when there is none or it is not YAML."""
    import yaml

    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return {}, text
    if not isinstance(data, dict):
        return {}, text
    fields = {key: value for key in ("title", "url", "source", "author") if (value := _field(data, key))}
    published = _published(data)
    if published:
        fields["published"] = published
    return fields, text[match.end() :]


# A line of the header block starts with a label: a metadata one, the headline's or the link's.
_TITLE_LINE = re.compile(r"^(?:标题|题目|新闻标题|Title|Headline)\s*[:：]\s*(\S.*)$", re.IGNORECASE)
_LEADING_LABEL = re.compile(rf"^(?:{_ANY_LABEL})\s*[:：]\s*\S", re.IGNORECASE)
HEADER_LINES = 100  # the metadata is near the top (under up to ~90 lines of a menu copied with the page)
HEADLINE_WINDOW = 3  # lines above the metadata that may hold the headline
MENU_CHARS = 40  # longest line of a menu or site chrome above the headline; a longer one is the story's
_SHORT_FIELD = re.compile(r"^[^\s:：\d]{1,4}\s*[:：]\s*\S.{0,12}$")  # 撰文：何嘉敏, 更新：… (a field, never a headline)
TITLE_CHARS = 80  # a first line longer than this, or holding a sentence end inside, is a paragraph, not a headline


def _header_fields(line: str) -> dict[str, str]:
    """The fields of one header line: its metadata, or {"title": …} / {"url": …} for a headline or link line."""
    folded = to_simplified(line)
    for key, pattern in (("title", _TITLE_LINE), ("url", _URL_LINE)):
        match = pattern.match(folded)
        if match:
            return {key: line[match.start(1) : match.end(1)].strip()}
    fields = _meta_fields(line)
    if "published" not in fields and _is_dateline(line):
        fields["published"] = iso_date(line) or line
    return fields


def _is_dateline(line: str) -> bool:
    """A short line with a full date and no sentence in it (see DATELINE_CHARS)."""
    if len(line) > DATELINE_CHARS or _SENTENCE_END.search(line):
        return False
    dated = iso_date(line)
    return dated is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", dated) is not None


def _is_labelled(line: str) -> bool:
    folded = to_simplified(line)
    return bool(
        _TITLE_LINE.match(folded)
        or _URL_LINE.match(folded)
        or _LEADING_LABEL.match(folded)
        or _BYLINE_RE.fullmatch(line)
        or _is_dateline(line)
    )


def _header_block(lines: list[str]) -> tuple[int, int] | None:
    """[first, last) lines of the page's metadata: the first metadata line ("发布时间:… 来源:… 作者:…") with the
    labelled lines around it, or a run of labelled lines (标题：…, 来源：…, 发布时间：…, 原文链接：…, blank lines
    between them allowed) holding two or more of them or a headline. None when the page has no metadata."""
    n = 0
    while n < min(len(lines), HEADER_LINES):
        if not lines[n] or not (_is_labelled(lines[n]) or _is_meta_line(lines[n])):
            n += 1
            continue
        first = last = n
        labelled = []
        while last < len(lines) and (not lines[last] or _is_labelled(lines[last]) or _is_meta_line(lines[last])):
            if lines[last]:
                labelled.append(lines[last])
            last += 1
        titled = any(_TITLE_LINE.match(to_simplified(ln)) for ln in labelled)
        if titled or len(labelled) >= 2 or any(_is_meta_line(ln) or _is_dateline(ln) for ln in labelled):
            # Above the metadata are a menu, chrome and the headline: short lines. A paragraph there means these
            # lines are inside the story (a notice's closing date, a 时间：… 地点：… schedule), not its header.
            above = [ln for ln in lines[:first] if ln and not _is_chrome(ln)]
            menu = above[:-HEADLINE_WINDOW]
            if any("。" in ln or len(ln) > TITLE_CHARS for ln in above) or any(len(ln) > MENU_CHARS for ln in menu):
                return None
            while last > first and not lines[last - 1]:
                last -= 1
            return first, last
        n = last
    return None


def parse_html(html: str, article_id: str, path: str | None = None) -> Article:
    """Extract the main text and metadata of an HTML page with trafilatura."""
    import trafilatura  # imported here: it is slow to import and only needed for HTML input

    doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=True)
    data = doc.as_dict() if doc is not None and hasattr(doc, "as_dict") else (doc or {})
    text = normalize_text(str(data.get("text") or ""))
    if not text:
        raise ArticleParseError("no main text found in the HTML")
    title = normalize_text(str(data.get("title") or "")) or text.split("\n", 1)[0][:60]
    if text.startswith(title + "\n"):
        text = text[len(title) + 1 :]
    # The page's own metadata line (发布时间：… 来源：徐州日报 作者：…) when trafilatura kept it as text (anywhere:
    # it moves it to the end at times): its fields, and out of the text.
    written: dict[str, str] = {}
    kept = []
    for line in text.split("\n"):
        if (_is_meta_line(line) and len(line) <= TITLE_CHARS) or _is_dateline(line):
            for key, value in _header_fields(line).items():
                written.setdefault(key, value)
        else:
            kept.append(line)
    text = normalize_text("\n".join(kept)) or text
    for key, value in _page_meta_line(html).items():  # or where trafilatura dropped it (a <div class="info">)
        written.setdefault(key, value)
    tags = _meta_tags(html)
    site = data.get("sitename") or data.get("hostname") or None
    raw_site = tags.get("og:site_name", "")
    if site and raw_site.lower() == str(site).lower():
        site = raw_site  # trafilatura title-cases a name that starts with no capital: 中央社 CNA -> 中央社 Cna
    # trafilatura drops an author without a space ("Firstname Lastname"), so every Chinese byline: the page's own
    # author tag then, as written
    author = data.get("author") or written.get("author") or next((tags[k] for k in _AUTHOR_TAGS if tags.get(k)), None)
    return Article(
        id=article_id,
        title=title,
        text=text,
        url=data.get("url") or None,
        published=iso_date(data.get("date")) or written.get("published"),
        source=written.get("source") or site,  # the outlet the page names over its site's name (a portal's)
        author=normalize_text(author) if author else None,
        path=path,
    )


_AUTHOR_TAGS = ("author", "article:author", "og:article:author", "byline", "dc.creator")


# Elements that hold a page's metadata line (<div class="info">2026-11-20 来源：陕西日报 作者：杨帆</div>).
_META_ELEMENTS = ("div", "p", "span", "td", "li", "header", "small", "font", "em", "section")
META_ELEMENTS_READ = 3000  # the line is near the top; reading every element of a huge page costs O(size x depth)


def _page_meta_line(html: str) -> dict[str, str]:
    """The fields of the first short element whose text is a metadata line ("发布时间:… 来源:… 作者:…"); {} when
    there is none or the page does not parse."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(html.encode("utf-8"))
    except (ValueError, TypeError, lxml.etree.ParserError):
        return {}
    for n, el in enumerate(tree.iter(*_META_ELEMENTS)):
        if n >= META_ELEMENTS_READ:
            break
        line = normalize_text(el.text_content())
        if line and "\n" not in line and len(line) <= TITLE_CHARS and _is_meta_line(line):
            return _meta_fields(line)
    return {}


def _meta_tags(html: str) -> dict[str, str]:
    """The page's <meta name|property=... content=...> tags (names lowercased), first of each; {} where it does not
    parse."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(html.encode("utf-8"))
    except (ValueError, TypeError, lxml.etree.ParserError):
        return {}
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("name") or meta.get("property") or "").strip().lower()
        value = (meta.get("content") or "").strip()
        if key and value and key not in found and not value.lower().startswith("http"):
            found[key] = value
    return found


def article_from_record(record: object, article_id: str, path: str | None = None) -> Article:
    """Validate one JSON object of the input contract into an Article (raises ArticleParseError)."""
    if not isinstance(record, dict):
        raise ArticleParseError("expected a JSON object")
    text = normalize_text(_field(record, "text") or "")
    if not text:
        keys = ", ".join(sorted(str(k) for k in record)[:8])
        raise ArticleParseError(f"no text field (expected one of {', '.join(JSON_KEYS['text'])}; found {keys})")
    rid = record.get("id")
    title = normalize_text(_field(record, "title") or "") or text.split("\n", 1)[0][:60]

    def opt(key: str) -> str | None:
        value = _field(record, key)
        return normalize_text(value) if value else None

    return Article(
        id=str(rid) if rid not in (None, "") else article_id,
        title=title,
        text=text,
        url=opt("url"),
        published=_published(record),
        source=opt("source"),
        author=opt("author"),
        path=path,
        also_reported_by=_reports(record.get("also_reported_by")),
    )


# The contract's keys first, then the names scrapers and exports commonly use for the same field.
JSON_KEYS = {
    "text": ("text", "content", "body", "article", "正文", "内容"),
    "title": ("title", "headline", "标题"),
    "url": ("url", "link", "href", "链接"),
    "published": ("published", "date", "pub_date", "pubDate", "publish_time", "published_at", "time", "发布时间"),
    "source": ("source", "media", "site", "outlet", "publisher", "来源"),
    "author": ("author", "byline", "作者"),
}
# A number as a date is a Unix time (seconds, or milliseconds from scrapers in JavaScript) in this range of years.
EPOCH_YEARS = (1990, 2100)


def _field(record: dict[str, object], key: str) -> str | None:
    """The first non-empty value of a field under any of its JSON_KEYS; an object's "name" ({"name": "湖南日报"})."""
    for name in JSON_KEYS[key]:
        value = record.get(name)
        if isinstance(value, dict):
            value = value.get("name") or value.get("title")
        if value not in (None, "") and not isinstance(value, (dict, list)):
            return str(value)
    return None


def _published(record: dict[str, object]) -> str | None:
    """The date of a JSON article (or front matter) as YYYY-MM-DD: written, a date, or a Unix time."""
    for name in JSON_KEYS["published"]:
        value = record.get(name)
        if isinstance(value, date):  # YAML front matter reads date: 2026-11-20 as a date
            return value.isoformat()[:10]
        if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) in (10, 13):
            value = int(value.strip())  # "1795142400"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            seconds = value / 1000 if value > 1e11 else value
            try:
                day = datetime.fromtimestamp(seconds, tz=UTC).date()
            except (OverflowError, OSError, ValueError):
                continue
            if EPOCH_YEARS[0] <= day.year <= EPOCH_YEARS[1]:
                return day.isoformat()
    written = record.get("published")
    if written not in (None, "") and not isinstance(written, (dict, list)):
        return iso_date(normalize_text(str(written)))  # the contract's key: kept as written if it holds no date
    for name in JSON_KEYS["published"][1:]:  # another name ("time": 764 in some export): only when it is a date
        value = record.get(name)
        dated = iso_date(normalize_text(str(value))) if isinstance(value, str) else None
        if dated and re.fullmatch(r"\d{4}-\d{2}-\d{2}", dated):
            return dated
    return None


def _reports(value: object) -> list[Report]:
    """The "also_reported_by" list of a JSON article (merged syndicated copies); malformed entries are dropped."""
    if not isinstance(value, list):
        return []
    out = []
    for item in value:
        if isinstance(item, dict):
            try:
                fields = {k: item.get(k) for k in ("url", "published", "source") if isinstance(item.get(k), str)}
                out.append(Report(title=str(item.get("title") or ""), **fields))
            except ValueError:
                continue
    return out


def parse_file(path: Path, rel: str) -> tuple[list[Article], list[SkippedFile]]:
    """Parse one file into articles; raises ArticleParseError when the whole file is unusable."""
    try:
        info = path.stat()
        size, mtime = info.st_size, info.st_mtime
        if size > MAX_FILE_BYTES:
            raise ArticleParseError(f"file too large ({size} bytes > {MAX_FILE_BYTES})")
        raw = path.read_bytes()
    except OSError as exc:
        raise ArticleParseError(f"cannot read: {exc.strerror or exc}") from exc
    text = decode_bytes(raw)
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md"):
        article = parse_saved_page(text, rel, rel)
        year_less = _MONTH_DAY.fullmatch(article.published or "")
        if year_less:  # "11月20日": the last such day up to when the file was saved
            saved = datetime.fromtimestamp(mtime, tz=UTC).date()
            article.published = _last_before(int(year_less[1]), int(year_less[2]), saved) or article.published
        return [article], []
    if suffix in (".html", ".htm"):
        return [parse_html(text, rel, rel)], []
    if suffix == ".json":
        data = _json(text, "invalid JSON: {} at line {}")
        records = data if isinstance(data, list) else _wrapped(data) or [data]
        return _records(((i + 1, r) for i, r in enumerate(records)), rel, "item")
    if suffix == ".jsonl":
        items: list[tuple[int, object]] = []
        bad: list[SkippedFile] = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append((lineno, _json(line, "invalid JSON: {}")))
            except ArticleParseError as exc:
                bad.append(SkippedFile(path=f"{rel}:{lineno}", reason=str(exc)))
        articles, skipped = _records(items, rel, "line")
        if not articles and (skipped or bad):
            number, first = min((int(s.path.rsplit(":", 1)[1]), s) for s in bad + skipped)
            why = first.reason if first.reason.startswith("line") else f"line {number}: {first.reason}"
            raise ArticleParseError(f"no usable article in {len(items) + len(bad)} lines ({why})")
        return articles, bad + skipped
    raise ArticleParseError(f"unsupported file type {suffix!r}; expected one of {', '.join(SUFFIXES)}")


def _wrapped(data: object) -> list[object] | None:
    """The article list of an export that wraps it: {"articles": […]}, {"data": {"items": […]}}, …"""
    for _ in range(2):
        if not isinstance(data, dict) or "text" in data:
            return None
        lists = [v for k, v in data.items() if k in _LIST_KEYS and isinstance(v, list)]
        if lists:
            return list(lists[0])
        data = data.get("data")
    return None


_LIST_KEYS = ("articles", "items", "news", "data", "results", "records", "entries", "docs")


_MONTH_DAY = re.compile(r"\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日.*")


def _last_before(month: int, day: int, saved: date) -> str | None:
    """The ISO date of the last month/day on or before `saved` (a page dated 11月20日 saved in January is last
    year's), or None when no such day exists."""
    for year in (saved.year, saved.year - 1, saved.year - 2, saved.year - 3, saved.year - 4):
        try:
            day_of = date(year, month, day)
        except ValueError:
            continue  # 2月29日 outside a leap year
        if day_of <= saved:
            return day_of.isoformat()
    return None


def _json(text: str, template: str) -> object:
    """json.loads with every failure as ArticleParseError (nesting deeper than Python's stack included)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArticleParseError(template.format(exc.msg, exc.lineno)) from exc
    except RecursionError as exc:
        raise ArticleParseError("JSON nested too deeply to be an article") from exc


def _records(items: Iterable[tuple[int, object]], rel: str, unit: str) -> tuple[list[Article], list[SkippedFile]]:
    articles: list[Article] = []
    skipped: list[SkippedFile] = []
    for number, record in items:
        try:
            articles.append(article_from_record(record, f"{rel}#{number}", rel))
        except ArticleParseError as exc:
            skipped.append(SkippedFile(path=f"{rel}:{number}", reason=f"{unit} {number}: {exc}"))
    return articles, skipped


def _walk(data_dir: Path) -> tuple[list[tuple[str, Path]], list[SkippedFile]]:
    """Files under data_dir as (relative path, path), sorted; and the paths left out with why.

    An explicit stack instead of recursion (any depth works); hidden entries are ignored; links are followed only
    while they stay inside the data folder, and each real folder is entered once (link loops end).
    """
    root = data_dir.resolve()
    files: list[tuple[str, Path]] = []
    skipped: list[SkippedFile] = []
    seen_dirs: set[tuple[int, int]] = set()
    stack: list[tuple[Path, str]] = [(data_dir, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            info = folder.stat()
            if (info.st_dev, info.st_ino) in seen_dirs:
                again = "folder already read through another path (a link)"
                skipped.append(SkippedFile(path=prefix.rstrip("/") or ".", reason=again))
                continue
            seen_dirs.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            skipped.append(SkippedFile(path=prefix.rstrip("/") or ".", reason=f"cannot read folder: {exc.strerror}"))
            continue
        for entry in listed:
            if entry.name.startswith("."):
                continue
            rel = prefix + entry.name
            path = Path(entry.path)
            reason = None
            try:
                if entry.is_symlink():
                    target = path.resolve()
                    if not target.exists():
                        reason = "broken link"
                    elif not target.is_relative_to(root):
                        reason = "link leads outside the data folder; not followed"
                mode = path.stat().st_mode if reason is None else 0
            except (OSError, RuntimeError) as exc:  # RuntimeError: a link loop on older Pythons' resolve()
                reason = f"cannot read: {describe_os_error(exc) if isinstance(exc, OSError) else exc}"
            if reason is not None:
                skipped.append(SkippedFile(path=rel, reason=reason))
            elif stat.S_ISDIR(mode):
                stack.append((path, rel + "/"))
            elif not stat.S_ISREG(mode):
                skipped.append(SkippedFile(path=rel, reason="not a regular file"))
            elif path.suffix.lower() not in SUFFIXES:
                skipped.append(SkippedFile(path=rel, reason=f"unsupported file type {path.suffix or '(none)'!r}"))
            else:
                files.append((rel, path))
    files.sort()
    skipped.sort(key=lambda s: s.path)
    return files, skipped


def load_articles(data_dir: Path) -> LoadResult:
    """Every article under data_dir, in path order; unusable files are skipped and reported (never raised).

    Raises DataDirMissing when data_dir is not a folder: a typo must not replace a good index with an empty one.
    """
    if not data_dir.is_dir():
        what = "is not a folder" if data_dir.exists() else "does not exist"
        raise DataDirMissing(f"the data folder {data_dir} {what} (NEWSBOT_DATA_DIR); the index was left as it is")
    files, walk_skipped = _walk(data_dir)
    result = LoadResult(skipped=walk_skipped)
    seen: dict[str, str] = {}
    for rel, path in files:
        try:
            articles, skipped = parse_file(path, rel)
        except ArticleParseError as exc:
            result.skipped.append(SkippedFile(path=rel, reason=str(exc)))
            continue
        except Exception as exc:  # a parser that fails or is missing (ImportError) loses this file, not the build
            log.debug("parser failed on %s", rel, exc_info=True)
            result.skipped.append(SkippedFile(path=rel, reason=f"parser failed: {type(exc).__name__}: {exc}"))
            continue
        result.skipped.extend(skipped)
        for article in articles:
            if article.id in seen:
                reason = f"duplicate article id {article.id!r} (first in {seen[article.id]})"
                result.skipped.append(SkippedFile(path=rel, reason=reason))
                continue
            seen[article.id] = rel
            result.articles.append(article)
    for skip in result.skipped:
        log.debug("skipped %s: %s", skip.path, skip.reason)
    return result
