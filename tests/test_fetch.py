"""Guarded fetching against a loopback server: limits, encodings, and no request to private addresses."""

from __future__ import annotations

import time

import pytest

from retrieval.fetch import USER_AGENT, AddressGuard, Fetcher, FetchError, decode_body, is_public_address
from tests.newsfixtures import page
from tests.webserver import dripping, endless, serve

LOCAL = frozenset({"127.0.0.1"})


def test_public_address_rules() -> None:
    for private in ("127.0.0.1", "10.0.0.1", "192.168.1.2", "172.16.0.1", "169.254.169.254", "::1", "fd00::1",
                    "::ffff:127.0.0.1", "100.64.0.1", "0.0.0.0", "224.0.0.1", "fe80::1"):  # fmt: skip
        assert not is_public_address(private), private
    assert is_public_address("93.184.216.34") and is_public_address("2606:4700::1111")


def test_loopback_refused_by_default_and_nothing_is_sent() -> None:
    with serve() as site, Fetcher() as fetcher:
        url = site.add("/a", page("标题", "正文。" * 20))
        with pytest.raises(FetchError) as err:
            fetcher.get(url)
        assert err.value.kind == "blocked" and "NEWSBOT_FETCH_ALLOW_HOSTS" in str(err.value)
        assert site.requests == []


def test_redirect_to_loopback_or_private_is_refused() -> None:
    """An allowed host redirecting to a host that is not allowed: the second hop is never connected to."""
    with serve() as site, Fetcher(frozenset({"localhost"}), resolver=lambda h, p: ["127.0.0.1"]) as fetcher:
        site.add("/to-loopback", status=302, headers={"Location": site.base + "/secret"})
        site.add("/to-private", status=301, headers={"Location": "http://10.0.0.1/admin"})
        site.add("/secret", "秘密")
        port = site.base.rsplit(":", 1)[1]
        for path in ("/to-loopback", "/to-private"):
            with pytest.raises(FetchError) as err:
                fetcher.get(f"http://localhost:{port}{path}")
            assert err.value.kind == "blocked"
        assert site.hits("/secret") == 0


def test_host_name_resolving_to_private_address_is_refused() -> None:
    guard = AddressGuard(resolver=lambda host, port: ["93.184.216.34", "192.168.0.10"])
    with pytest.raises(FetchError, match=r"192\.168\.0\.10"):
        guard.address_for("news.example", 80)
    assert AddressGuard(resolver=lambda h, p: ["93.184.216.34"]).address_for("news.example", 80) == "93.184.216.34"
    # the address connected to is the one checked: a second DNS answer (rebinding) is never asked for
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])
    assert AddressGuard(resolver=lambda h, p: next(answers)).address_for("rebind.example", 80) == "93.184.216.34"


def test_fetch_page_headers_no_cookies_and_redirects() -> None:
    with serve() as site, Fetcher(LOCAL, max_redirects=2) as fetcher:
        site.add("/page", page("标题", "正文。"), headers={"Set-Cookie": "session=abc; Path=/"})
        site.add("/r1", status=302, headers={"Location": "/page"})
        site.add("/loop", status=302, headers={"Location": "/loop"})
        got = fetcher.get(site.base + "/r1")
        assert got.url == site.base + "/page" and "标题" in got.text
        fetcher.get(site.base + "/page")
        headers = [h for _, p, h in site.requests if p == "/page"]
        assert all(h["user-agent"] == USER_AGENT for h in headers)
        assert all("cookie" not in h for h in headers)
        with pytest.raises(FetchError, match="too many redirects"):
            fetcher.get(site.base + "/loop")
        assert site.hits("/loop") == 3  # the first request and two redirects, then it stops


def test_bad_cases_are_one_line_errors() -> None:
    with serve() as site, Fetcher(LOCAL, max_bytes=200_000, read_timeout=0.5, total_timeout=2.0) as fetcher:
        site.add("/pdf", b"%PDF-1.4", content_type="application/pdf")
        site.add("/none", b"<p>x</p>", content_type="")
        site.add("/huge", b"x" * 300_000)
        site.add("/endless", stream=endless(), content_type="text/html")
        site.add("/slow", "<p>late</p>", delay=1.5)
        site.add("/drip", stream=dripping(every=0.1), content_type="text/html")
        site.add("/gone", "gone", status=500)
        cases = {"/pdf": "not_article", "/none": "not_article", "/huge": "too_large", "/endless": "too_large",
                 "/slow": "timeout", "/drip": "timeout", "/gone": "http", "/missing": "http"}  # fmt: skip
        for path, kind in cases.items():
            started = time.monotonic()
            with pytest.raises(FetchError) as err:
                fetcher.get(site.base + path)
            assert err.value.kind == kind, (path, err.value)
            assert "\n" not in str(err.value) and time.monotonic() - started < 5
        for bad in ("ftp://127.0.0.1/x", "file:///etc/passwd", "http:///nohost", "http://u:p@127.0.0.1/"):
            with pytest.raises(FetchError) as err:
                fetcher.get(bad)
            assert err.value.kind == "bad_url"


@pytest.mark.parametrize(
    ("codec", "declared"),
    [("gb2312", "header"), ("gbk", "meta"), ("big5", "meta"), ("gb18030", "none")],
)
def test_chinese_encodings_decode(codec: str, declared: str) -> None:
    words = "兩岸經濟合作會議在臺北舉行" if codec == "big5" else "粤黔东西部协作联席会议在广州举行"
    site_name = "聯合報" if codec == "big5" else "江城日报"
    title = "標題" if codec == "big5" else "标题"
    html = page(title, words * 5, site=site_name, charset=codec if declared == "meta" else "x")
    if declared != "meta":
        html = html.replace('<meta charset="x">', "")
    body = html.encode(codec, errors="xmlcharrefreplace")  # the page chrome is in simplified characters
    content_type = f"text/html; charset={codec.upper()}" if declared == "header" else "text/html"
    with serve() as site, Fetcher(LOCAL) as fetcher:
        site.add("/p", body, content_type=content_type)
        assert words in fetcher.get(site.base + "/p").text
    assert words in decode_body(body, content_type)
