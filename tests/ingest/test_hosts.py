"""Host allow/deny lists: registered-domain matching with the public suffix list (bundled, offline)."""

from __future__ import annotations

import pytest

from newsflow.ingest.hosts import DENIED, NOT_ALLOWED, HostFilter, parse_entries, site_of, split_list


@pytest.mark.parametrize(("url", "expected"), [
    ("https://www.bbc.co.uk/news/1", None),
    ("https://bbc.co.uk/", None),
    ("HTTPS://NEWS.BBC.CO.UK.:443/x", None),
    ("https://notbbc.co.uk/x", NOT_ALLOWED),  # a different registered domain, not a subdomain
    ("https://bbc.co.uk.evil.example/x", NOT_ALLOWED),
    ("https://www.bbc.com/x", NOT_ALLOWED),
    ("https://me.blogspot.com/post", None),  # a private suffix: one blog, not all of Blogspot
    ("https://you.blogspot.com/post", NOT_ALLOWED),
    ("https://www.whitehouse.gov/", None),  # a public suffix entry covers everything under it
    ("https://sport.bbc.co.uk/x", DENIED),  # deny wins over allow
    ("https://live.sport.bbc.co.uk/x", DENIED),
    ("http://10.0.0.1/x", NOT_ALLOWED),
    (None, None),
    ("", None),
])
def test_allow_and_deny_by_registered_domain(url, expected):
    hosts = HostFilter(allow=("bbc.co.uk", "me.blogspot.com", "gov"), deny=("sport.bbc.co.uk",))
    assert hosts.reason(url) == expected


def test_www_names_the_whole_site_but_other_subdomains_name_themselves():
    hosts = HostFilter(deny=("www.reuters.com", "markets.ft.com"))
    assert hosts.reason("https://uk.reuters.com/a") == DENIED
    assert hosts.reason("https://markets.ft.com/a") == DENIED
    assert hosts.reason("https://www.ft.com/a") is None
    assert site_of("www.bbc.co.uk") == "bbc.co.uk" and site_of("127.0.0.1") == "127.0.0.1"


def test_lists_inline_or_from_a_file(tmp_path):
    listing = tmp_path / "allow.txt"
    listing.write_text("# newsroom sites\nbbc.co.uk  # BBC\n\nReuters.com\n", encoding="utf-8")
    assert parse_entries([f"apnews.com, @{listing} bbc.co.uk"]) == ["apnews.com", "bbc.co.uk", "reuters.com"]
    assert split_list("a.com, b.com c.com") == ["a.com", "b.com", "c.com"] and split_list("") == []
    assert HostFilter().active is False and HostFilter(allow=(f"@{listing}",)).reason("https://x.reuters.com") is None
