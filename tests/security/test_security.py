"""Security: no secret in the repo or in a run's logs and outputs; nothing outside the landing root is
opened; the HTML parser expands no entity and opens no socket; GX sends no analytics (no socket at all
during a run with the real gates)."""

from __future__ import annotations

import json
import logging
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import article_html, story_paragraphs
from paths import REPO

from newsflow.extract import ExtractionError, extract

# Patterns for credentials; values that are obviously placeholders or test doubles are allowed.
_SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abpr]-[A-Za-z0-9-]{10,}"),
    "Fernet key": re.compile(r"\b[A-Za-z0-9_-]{43}=(?![A-Za-z0-9])"),
    # a literal assigned to a credential-looking name: quoted in code, quoted or bare in config files
    "assigned credential": re.compile(
        r"""(?i)\b(?:password|passwd|secret(?:_key)?|api_?key|token|fernet_key)["']?\s*[:=]\s*["']([^\s"']{4,})["']"""),
}
_CONFIG_ASSIGNED = re.compile(
    r"""(?im)^\s*[\w.-]*(?:password|passwd|secret|api_?key|token|fernet_key)[\w.-]*\s*[:=]\s*([^\s#"']{4,})\s*$""")
_CONFIG_SUFFIXES = (".env", ".yaml", ".yml", ".ini", ".cfg", ".toml", ".conf")
# Values that are not secrets: references, placeholders, and absolute paths (where a secret file lives).
_PLACEHOLDERS = re.compile(r"^(?:\$\{.*|SECRET|KEY|testing|test|changeme|example|xxx+|\*+|<.*>|None|null|"
                           r"True|False|\{.*|str|bool|os\.environ.*|getenv.*|settings\..*|/[\w./-]+)$", re.I)
_SKIP_SUFFIXES = (".lock", ".png", ".jpg", ".gz", ".parquet", ".ico", ".woff2")


def scan_text(text: str, config: bool = False) -> list[str]:
    hits = []
    if config:
        hits += [f"config credential: {m.group(0).strip()[:60]}" for m in _CONFIG_ASSIGNED.finditer(text)
                 if not _PLACEHOLDERS.match(m.group(1))]
    for name, pattern in _SECRET_PATTERNS.items():
        for match in pattern.finditer(text):
            value = match.group(1) if pattern.groups else match.group(0)
            if name == "assigned credential" and _PLACEHOLDERS.match(value.strip("\"'")):
                continue
            hits.append(f"{name}: {match.group(0)[:60]}")
    return hits


def test_the_scanner_finds_what_it_should():
    planted = ("aws_key = 'AKIAIOSFODNN7EXAMPLE'\n-----BEGIN RSA PRIVATE KEY-----\npassword = 'hunter2hunter2'\n"
               "fernet_key: 'Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmE='")
    assert len(scan_text(planted)) >= 4
    assert scan_text("POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it}\npassword: SECRET", config=True) == []
    assert scan_text("db_password: hunter2hunter2", config=True)
    assert scan_text("connect(password=url.password, token=token)") == []


def test_no_secret_in_the_repository():
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True,
                           text=True, check=True).stdout.splitlines()
    hits = {}
    for name in files:
        path = REPO / name
        if name.endswith(_SKIP_SUFFIXES) or not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        if name.startswith("tests/security/"):
            continue  # this file plants fake secrets to test the scanner
        found = scan_text(path.read_text(errors="replace"), config=name.endswith(_CONFIG_SUFFIXES))
        if found:
            hits[name] = found
    assert not hits, hits


class _Audit:
    """sys.addaudithook cannot be removed: one hook per process, switched on by a flag."""

    events: list[tuple[str, tuple]] | None = None

    @classmethod
    def hook(cls, event, args):
        if cls.events is not None and event in ("open", "socket.connect", "socket.getaddrinfo", "urllib.Request"):
            cls.events.append((event, args))

    def __enter__(self):
        type(self).events = []
        return type(self).events

    def __exit__(self, *exc):
        type(self).events = None


sys.addaudithook(_Audit.hook)


@pytest.fixture
def listener():
    """A TCP port on loopback that would see any fetch."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.setblocking(False)
    yield server, server.getsockname()[1]
    server.close()


def _no_connection(server) -> bool:
    try:
        server.accept()
    except BlockingIOError:
        return True
    return False


def test_parser_expands_no_entity_and_fetches_nothing(tmp_path, listener):
    server, port = listener
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-parser")
    url = f"http://127.0.0.1:{port}"
    pages = [
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]><html><body><p>&x;</p></body></html>',
        f'<!DOCTYPE r [<!ENTITY x SYSTEM "{url}/ent">]><html><body><p>&x;</p></body></html>',
        f'<!DOCTYPE html SYSTEM "{url}/dtd"><html><body><p>dtd</p></body></html>',
        f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{url}/p"> %p;]><html><body><p>x</p></body></html>',
        f'<html xmlns:xi="http://www.w3.org/2001/XInclude"><body><xi:include href="file://{secret}" parse="text"/>'
        f'<xi:include href="{url}/xi"/><p>x</p></body></html>',
        f'<html><head><link rel="stylesheet" href="{url}/css"><script src="{url}/js"></script></head>'
        f'<body><img src="{url}/img"><iframe src="{url}/frame"></iframe><p>x</p></body></html>',
        '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><html><body><p>&c;</p></body></html>',
    ]
    with _Audit() as events:
        for page in pages:
            try:
                result = extract(page, url="https://news.example.com/a")
            except ExtractionError:
                continue
            assert "TOPSECRET" not in result.text and "aaaaaaaaaaaaaaaaaaaa" not in result.text
    assert _no_connection(server), "the parser connected to the listener"
    assert not [e for e in events if e[0] != "open"], events
    assert not [e for e in events if e[0] == "open" and str(secret) in str(e[1][0])], "the parser opened the secret"


def test_nothing_outside_the_landing_root_is_opened(tmp_path):
    from newsflow.ingest.landing import read_landing
    from newsflow.ingest.stage import DecodeStage
    from newsflow.settings import Settings

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.html").write_text("<p>TOPSECRET</p>")
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "ok.txt").write_text("fine")
    (landing / "link.html").symlink_to(outside / "secret.html")
    (landing / "dirlink").symlink_to(outside, target_is_directory=True)
    (landing / "rel.html").symlink_to("../outside/secret.html")
    with _Audit() as events:
        records = list(DecodeStage().run(read_landing(landing, "landing", Settings())))
    opened = [str(e[1][0]) for e in events if e[0] == "open" and isinstance(e[1][0], (str, bytes, Path))]
    assert not [p for p in opened if str(outside) in p], opened
    codes = {r.source_path: [x.code for x in r.rejects] for r in records}
    assert codes["link.html"][0] == codes["rel.html"][0] == codes["dirlink"][0] == "outside_landing_root"
    assert not any("TOPSECRET" in (r.decoded or "") for r in records)


@pytest.mark.slow
def test_a_real_run_logs_no_secret_and_opens_no_socket(tmp_path, seeds, monkeypatch, caplog, listener):
    """The real GX gates, a connection password and cloud keys in the environment: none appears in the
    logs, the lake or the quality reports, and nothing connects anywhere (GX analytics are off)."""
    import shutil

    from newsflow.gates.runner import _context
    from newsflow.pipeline import RunContext, run_all

    server, _ = listener
    secrets = {"AIRFLOW_CONN_NEWSFLOW_S3": json.dumps({"conn_type": "aws", "password": "PW-9c41e0a7d2"}),
               "AWS_SECRET_ACCESS_KEY": "AWSSECRET-5b8f2d61c0", "AIRFLOW__CORE__FERNET_KEY": "FERNET-3e7a91"}
    for key, value in secrets.items():
        monkeypatch.setenv(key, value)
    landing = tmp_path / "landing"
    shutil.copytree(seeds, landing)
    (landing / "page.html").write_text(article_html("Page", story_paragraphs(900, 8), furniture=False))
    caplog.set_level(logging.DEBUG)
    with _Audit() as events:
        summary = run_all(RunContext.create(str(landing), str(tmp_path / "lake"), "2024-08-01", "manual__sec"))
    assert summary["status"] == "published"
    network = [e for e in events if e[0] != "open"]
    assert not network and _no_connection(server), network[:5]
    values = ["PW-9c41e0a7d2", "AWSSECRET-5b8f2d61c0", "FERNET-3e7a91"]
    logged = caplog.text
    assert not [v for v in values if v in logged]
    assert not scan_text(logged)
    leaked = [p for p in (tmp_path / "lake").rglob("*") if p.is_file() and any(v.encode() in p.read_bytes()
                                                                                  for v in values)]
    assert not leaked
    context = _context(tmp_path / "docs")
    assert context.variables.config.analytics_enabled is False
    import os

    assert os.environ.get("GX_ANALYTICS_ENABLED") == "False"
