import json
import os

from helpers import write_gzip

from newsflow.ingest.landing import discover, read_landing
from newsflow.record import source_file
from newsflow.settings import Settings


def _read(root, **kw):
    return list(read_landing(root, root.name, Settings(**kw)))


def test_every_supported_kind(tmp_path):
    (tmp_path / "a.txt").write_text("plain text article")
    (tmp_path / "b.html").write_text("<html><body><p>x</p></body></html>")
    write_gzip(tmp_path / "c.htm.gz", b"<html><body><p>gz</p></body></html>")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.jsonl").write_text(
        json.dumps({"url": "https://x.example/1", "title": "T", "html": "<p>one</p>", "published": "2019-01-02"})
        + "\n\n" + json.dumps({"text": "two"}) + "\n")
    (tmp_path / ".hidden.txt").write_text("ignored")
    records = _read(tmp_path)
    assert [r.source_path for r in records] == ["a.txt", "b.html", "c.htm.gz", "sub/d.jsonl#L1", "sub/d.jsonl#L3"]
    assert [r.kind for r in records] == ["txt", "html", "html", "jsonl", "jsonl"]
    assert not any(r.rejected for r in records)
    assert records[2].raw == b"<html><body><p>gz</p></body></html>"
    first = records[3]
    assert (first.hint_url, first.hint_title, first.hint_published, first.hint_format) == (
        "https://x.example/1", "T", "2019-01-02", "html")
    assert records[4].hint_format == "text" and source_file(records[4]) == "sub/d.jsonl"
    assert all(len(r.sha256) == 64 and r.size_bytes > 0 for r in records)


def test_bad_files_become_rejects_not_losses(tmp_path):
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    write_gzip(tmp_path / "trunc.html.gz", b"<p>" + b"x" * 5000)
    data = (tmp_path / "trunc.html.gz").read_bytes()
    (tmp_path / "trunc.html.gz").write_bytes(data[: len(data) // 2])
    (tmp_path / "big.txt").write_bytes(b"a" * 2000)
    (tmp_path / "bad.jsonl").write_text('{"html": 5}\nnot json\n[1,2]\n{"title": "no body"}\n')
    (tmp_path / "empty.jsonl").write_text("\n\n")
    outside = tmp_path.parent / "secret.txt"
    outside.write_text("secret")
    os.symlink(outside, tmp_path / "link.txt")
    records = _read(tmp_path, max_file_bytes=1000)
    codes = {r.source_path: [x.code for x in r.rejects] for r in records}
    assert codes == {
        "bad.jsonl#L1": ["jsonl_bad_field"], "bad.jsonl#L2": ["jsonl_invalid"], "bad.jsonl#L3": ["jsonl_invalid"],
        "bad.jsonl#L4": ["empty"], "big.txt": ["too_large"], "empty.jsonl": ["empty"],
        "link.txt": ["outside_landing_root"], "notes.pdf": ["unsupported_type"], "trunc.html.gz": ["bad_gzip"],
    }
    assert all(r.raw is None for r in records if r.source_path == "link.txt")


def test_skip_set_and_odd_names(tmp_path):
    (tmp_path / "keep.txt").write_text("keep")
    (tmp_path / "line\nbreak.txt").write_text("odd name")
    (tmp_path / os.fsdecode(b"caf\xe9.txt")).write_text("latin-1 name")
    names = [f.rel_path for f in discover(tmp_path)]
    assert "caf\\xe9.txt" in names and "line\nbreak.txt" in names
    first = _read(tmp_path)
    skip = {(r.source_path, r.sha256) for r in first if r.source_path == "keep.txt"}
    skipped = []
    again = list(read_landing(tmp_path, "l", Settings(), skip, skipped))
    assert skipped == ["keep.txt"] and "keep.txt" not in [r.source_path for r in again]
