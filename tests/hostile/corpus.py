"""The hostile landing folder, built by the tests (importable as ``hostile.corpus``).

``build(root, secret)`` writes every hostile file and returns ``{record key: expectation}``:
``("quarantine", {acceptable first reason codes})`` or ``("articles", text snippet)`` for inputs
that are legitimately decodable text and are decoded correctly by design.
"""

from __future__ import annotations

import gzip
import json
import os
import random
import zlib
from pathlib import Path

from helpers import article_html, story_paragraphs

MB = 1024 * 1024
# Reasons that mean "this page has no usable article", whichever gate saw it first.
NO_ARTICLE = {"normalise.empty_text", "gate_normalised.text_length", "gate_normalised.missing_title",
              "normalise.unparseable"}


def _q(*codes: str):
    return ("quarantine", set(codes))


def build(root: Path, secret_file: Path) -> dict[str, tuple]:
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(8)
    expect: dict[str, tuple] = {}

    def put(name: str, data: bytes, expectation) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        expect[name] = expectation

    story = lambda seed: article_html(f"Story {seed}", story_paragraphs(100 + seed, 8), furniture=False,  # noqa: E731
                                      url=f"https://news.example.com/{seed}.html")

    put("01_empty.html", b"", _q("ingest.empty"))
    put("02_random.html", rng.randbytes(64 * 1024), _q("ingest.binary_content", "ingest.undecodable"))
    full = gzip.compress(story(1).encode(), mtime=0)
    put("03_truncated.html.gz", full[: len(full) // 2], _q("ingest.bad_gzip"))
    put("04_bomb.html.gz", gzip.compress(b"\0" * (60 * MB), compresslevel=9, mtime=0), _q("ingest.bad_gzip"))
    put("05_pdf.html", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n" + rng.randbytes(2048),
        _q("ingest.not_text"))
    put("06_png.html", b"\x89PNG\r\n\x1a\n" + rng.randbytes(2048), _q("ingest.not_text"))
    put("07_jpeg.html", b"\xff\xd8\xff\xe0" + rng.randbytes(2048), _q("ingest.not_text"))
    put("08_json.html", json.dumps({"id": 1, "items": list(range(50)), "ok": True}).encode(), _q(*NO_ARTICLE))
    put("09_zip.html", b"PK\x03\x04" + rng.randbytes(512), _q("ingest.not_text"))
    # Legitimate text in hostile encodings: decoded correctly, published (the decoder's job).
    put("10_utf16le_bom.html", b"\xff\xfe" + story(10).replace("utf-8", "utf-16").encode("utf-16-le"),
        ("articles", "region 110-0-0"))
    put("11_utf16le_nobom.html", story(11).replace("utf-8", "utf-16").encode("utf-16-le"),
        ("articles", "region 111-0-0"))
    put("12_utf16be_nobom.txt", "\n\n".join(story_paragraphs(112, 6)).encode("utf-16-be"),
        ("articles", "region 112-0-0"))
    paragraphs = story_paragraphs(113, 8)
    paragraphs[0] = "Caf\u00e9 \u201cquoted\u201d \u2014 " + paragraphs[0]
    cp = article_html("Story 13", paragraphs, furniture=False, url="https://news.example.com/13.html")
    put("13_cp1252_labelled_utf8.html", cp.encode("cp1252"), ("articles", "Caf\u00e9 \u201cquoted\u201d \u2014"))
    put("14_nul_bytes.txt", ("text " * 100).encode().replace(b" ", b"\0"), _q("ingest.binary_content",
                                                                                "ingest.control_characters"))
    put("15_control_chars.txt", bytes(rng.choice([*range(1, 9), 0x0b, 0x0c, 0x1b, 0x7f]) for _ in range(3000)),
        _q("ingest.binary_content", "ingest.control_characters"))
    put("16_utf8_bom_invalid.txt", b"\xef\xbb\xbf" + b"ok \xff\xfe\xfd bad", _q("ingest.undecodable"))
    # Size and shape bombs.
    with open(root / "17_50mb.html", "wb") as handle:  # sparse-ish: one write of 50 MB of markup
        handle.write(b"<html><body><p>" + b"a" * (50 * MB) + b"</p></body></html>")
    expect["17_50mb.html"] = _q("ingest.too_large")
    put("18_text_node_10mb.html",
        b"<html><head><title>t</title></head><body><p>" + b"word " * (2 * MB) + b"</p></body></html>",
        _q("normalise.too_large"))
    put("19_nested_100k.html", b"<html><body>" + b"<div>" * 100_000 + b"deep" + b"</div>" * 100_000 + b"</body></html>",
        _q("normalise.too_deep"))
    laughs = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    put("20_billion_laughs.html", (f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">{laughs}]>'
                                   f"<html><head><title>lol</title></head><body><p>&lol9;</p></body></html>").encode(),
        _q(*NO_ARTICLE))
    put("21_xxe_file.html", (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file://{secret_file}">]>'
                             f"<html><head><title>xxe</title></head><body><p>&xxe;</p></body></html>").encode(),
        _q(*NO_ARTICLE))
    put("22_xxe_param.html", (f'<!DOCTYPE r [<!ENTITY % p SYSTEM "file://{secret_file}"> %p;]>'
                              f"<html><head><title>xxe</title></head><body><p>x</p></body></html>").encode(),
        _q(*NO_ARTICLE))
    put("23_script_only.html", b"<html><head><title>s</title><script>" + b"var a=1;" * 5000 + b"</script></head><body>"
        b"<script>document.write('" + b"x" * 2000 + b"')</script></body></html>", _q(*NO_ARTICLE))
    put("24_giant_attribute.html", b'<html><head><title>g</title></head><body><div data-x="' + b"A" * (3 * MB)
        + b'"><p>tiny</p></div></body></html>', _q(*NO_ARTICLE))
    put("25_short.txt", b"Too short to be an article.", _q("gate_normalised.text_length"))
    put("26_notes.pdf", b"%PDF-1.4 not a supported extension", _q("ingest.unsupported_type"))
    # JSONL: each line is a record.
    good = json.dumps({"url": "https://news.example.com/j1", "title": "J1", "text": "\n\n".join(story_paragraphs(127))})
    lines = [
        good,
        "this line is not json",
        json.dumps({"url": 5, "title": ["x"], "html": {"a": 1}}),
        json.dumps([1, 2, 3]),
        json.dumps({"title": "no body"}),
        "[" * 100_000 + "]" * 100_000,  # nesting beyond the JSON parser's recursion limit
        '{"text": "lone surrogate \\ud800 here"}',
        json.dumps({"url": "http://[not-an-ipv6", "text": "\n\n".join(story_paragraphs(128))}),
        '{"text": "bad utf8 \xff"}'.encode("latin-1").decode("latin-1"),
        json.dumps({"published": "not a date", "text": "\n\n".join(story_paragraphs(129))}),
    ]
    data = "\n".join(lines).encode("utf-8", "surrogateescape")
    data = data.replace("\xff".encode(), b"\xff")  # a raw invalid byte on the last line
    put("27_records.jsonl", data, None)
    del expect["27_records.jsonl"]
    expect.update({
        "27_records.jsonl#L1": ("articles", "region 127-0-0"),
        "27_records.jsonl#L2": _q("ingest.jsonl_invalid"),
        "27_records.jsonl#L3": _q("ingest.jsonl_bad_field"),
        "27_records.jsonl#L4": _q("ingest.jsonl_invalid"),
        "27_records.jsonl#L5": _q("ingest.empty"),
        "27_records.jsonl#L6": _q("ingest.jsonl_invalid"),
        "27_records.jsonl#L7": _q("ingest.jsonl_bad_field"),
        "27_records.jsonl#L8": _q("ingest.jsonl_bad_field", "normalise.bad_url"),
        "27_records.jsonl#L9": _q("ingest.jsonl_invalid"),
        "27_records.jsonl#L10": _q("gate_normalised.unparseable_date"),
    })
    # Names and links.
    outside = root.parent / "outside.html"
    outside.write_text(story(30))
    os.symlink(outside, root / "28_symlink_outside.html")
    expect["28_symlink_outside.html"] = _q("ingest.outside_landing_root")
    os.symlink("../../../../../../etc/passwd", root / "29_dotdot_link.txt")
    expect["29_dotdot_link.txt"] = _q("ingest.outside_landing_root", "ingest.unreadable")
    os.symlink("30_loop_b.txt", root / "30_loop_a.txt")
    os.symlink("30_loop_a.txt", root / "30_loop_b.txt")
    expect["30_loop_a.txt"] = expect["30_loop_b.txt"] = _q("ingest.unreadable")
    os.mkfifo(root / "fifo_target")
    os.symlink("fifo_target", root / "31_fifo_link.html")  # reading it would block forever
    expect["31_fifo_link.html"] = _q("ingest.unreadable")
    expect["fifo_target"] = None  # a FIFO is not a file: not a landing record (discover skips it)
    put("32_dots..in..name.html", story(32).encode(), ("articles", "region 132-0-0"))
    put("33_new\nline.html", story(33).encode(), ("articles", "region 133-0-0"))
    raw_name = os.fsdecode(b"34_caf\xe9_latin1_name.html")
    (root / raw_name).write_bytes(story(34).encode())
    expect["34_caf\\xe9_latin1_name.html"] = ("articles", "region 134-0-0")
    put("35_meta_utf16_lie.html", story(35).replace('charset="utf-8"', 'charset="utf-16"').encode(),
        ("articles", "region 135-0-0"))
    put("36_unparseable_date.html", article_html("Dated", story_paragraphs(136, 8), furniture=False,
                                                 published="not a date at all", url="https://news.example.com/36")
        .encode(), ("articles", "region 136-0-0"))  # the extractor ignores a date it cannot parse (reported)
    put("37_far_future.html", article_html("Future", story_paragraphs(137, 8), furniture=False,
                                           published="2031-01-01T00:00:00Z", url="https://news.example.com/37")
        .encode(), ("articles", "region 137-0-0"))  # a date after the run's day is never taken from a page
    put("38_deflate_not_gzip.html.gz", zlib.compress(story(38).encode()), _q("ingest.bad_gzip"))
    put("sub/dir/39_nested_folder.txt", "\n\n".join(story_paragraphs(139, 6)).encode(), ("articles", "region 139-0-0"))
    put("41_bad_canonical.html", b'<html><head><title>c</title><link rel="canonical" href="http://[x/a"></head>'
        b"<body><p>short</p></body></html>", _q("normalise.extract_failed", *NO_ARTICLE))
    put("40_whitespace_only.txt", b" \n\t\r\n " * 100, _q("ingest.empty"))
    return {k: v for k, v in expect.items() if v is not None}
