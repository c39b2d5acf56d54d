"""Bytes to text, deliberately, in the WHATWG order: BOM, then the transport's charset (a WARC response's
HTTP Content-Type), then the page's own declaration, then detection. One departure: bytes that are valid
UTF-8 beyond ASCII are read as UTF-8 even when a label names a single-byte charset (a stale ``<meta>`` or
a server's latin-1 default), since latin-1 text is never valid UTF-8 and decoding by the label is mojibake.

Never silent mojibake: bytes that no candidate decodes cleanly raise
``DecodeError`` with a reason, and the record is quarantined.
"""

from __future__ import annotations

import codecs
import functools
import re
from dataclasses import dataclass

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it shares the prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# <meta charset="x">, <meta http-equiv content="text/html; charset=x">, <?xml encoding="x"?>
_DECLARED_RE = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]{2,40})"""
    rb"""|<\?xml[^>]{0,100}?encoding\s*=\s*["']([a-zA-Z0-9_.:-]{2,40})""",
    re.IGNORECASE,
)
# WHATWG: these labels mean windows-1252 on the web.
_WEB_ALIASES = {"latin-1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252", "iso8859-15": "iso8859-15"}
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF document"),
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"\x7fELF", "ELF binary"),
)
_CONTROL_CODES = frozenset((*range(9), 0x0B, *range(0x0E, 0x20), 0x7F))
# Every byte but the control codes: deleting them leaves only the controls to count. In UTF-8 a code
# point below 0x80 is its own byte and no other code point's bytes fall below 0x80, so counting on the
# encoded text is exact, and bytes.translate runs 15x faster than a regex over the str.
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_CODES)
_SNIFF = 4096
# Text has a stray control character here and there (a 2008 page with 27 NULs in 33 kB renders fine in a
# browser); binary data has them by the tens of percent.
_MAX_CONTROL_SHARE = 0.01
_BINARY_BYTES = tuple(range(9)) + tuple(range(14, 32)) + (127,)
_NOT_BINARY = bytes(b for b in range(256) if b not in _BINARY_BYTES)  # delete the rest, count what is left


class DecodeError(ValueError):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    how: str  # "bom" | "http" | "declared" | "utf-8" | "relabelled from X" | "detected"


def _canonical(label: str) -> str | None:
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    return _WEB_ALIASES.get(name, name)


def declared_charset(data: bytes) -> str | None:
    match = _DECLARED_RE.search(data[:_SNIFF])
    if not match:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii", "replace")
    name = _canonical(label)
    # WHATWG prescan: a UTF-16/32 label found in ASCII-compatible bytes is a lie (real UTF-16 has a BOM
    # or NULs, handled before): treat it as UTF-8, or ASCII pages decode as CJK mojibake.
    if name and name.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return name


def _utf16_without_bom(data: bytes) -> str | None:
    head = data[:_SNIFF]
    if len(head) < 8:
        return None
    even_nuls = head[0::2].count(0)
    odd_nuls = head[1::2].count(0)
    half = len(head) / 2
    if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
        return "utf-16-le"
    if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
        return "utf-16-be"
    return None


def _check_text(text: str, encoding: str, utf8: bytes | None = None) -> str:
    """The text as a browser reads it: NUL becomes U+FFFD (the HTML standard's rule), other stray controls
    stay; refused only when control characters are a share of it that only binary data has.
    ``utf8``: the text's exact UTF-8 bytes when the caller has them (it decoded them): no re-encoding."""
    if utf8 is None:
        utf8 = text.encode("utf-8", "surrogatepass")
    controls = len(utf8.translate(None, _NOT_CONTROL))
    if controls > max(8, int(len(text) * _MAX_CONTROL_SHARE)):
        raise DecodeError("control_characters", f"{controls} control characters in {len(text)} decoded as "
                                                f"{encoding} (over {_MAX_CONTROL_SHARE:.0%}): binary, not text")
    return text.replace("\x00", "\ufffd") if controls else text


def sniff_binary(data: bytes) -> str | None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    return None


def _transport(label: str | None, data: bytes) -> str | None:
    name = _canonical(label) if label else None
    if name and name.startswith(("utf-16", "utf-32")) and b"\x00" not in data[:_SNIFF]:
        return None  # the same lie as in a <meta>: ASCII-compatible bytes are not UTF-16
    return name


@functools.cache
def _single_byte(encoding: str) -> bool:
    """Whether ``encoding`` maps every byte to one character (latin-1, cp1252, koi8-r, ...)."""
    try:
        return len(bytes(range(0x80, 0x100)).decode(encoding, "replace")) == 0x80
    except LookupError:
        return False


def _utf8_despite(label: str, data: bytes) -> Decoded | None:
    """UTF-8, when bytes labelled with a single-byte charset are valid UTF-8 beyond ASCII. Text really in
    latin-1 or cp1252 is not: its accented letters would have to come in lead-and-continuation pairs
    ("Ã¡"), which no language writes, while a site that moved to UTF-8 and kept its old ``<meta>`` or
    server default is common. Decoding such a page by its label turns every accent into mojibake."""
    if not _single_byte(label) or data.isascii():
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return Decoded(_check_text(text, "utf-8", data), "utf-8", f"relabelled from {label}")


def decode_bytes(data: bytes, *, html: bool, transport_charset: str | None = None) -> Decoded:
    """Decode ``data`` or raise ``DecodeError`` (code + detail). ``transport_charset``: the charset the
    HTTP response declared, which outranks the page's own ``<meta>`` (WHATWG)."""
    if not data.strip():
        raise DecodeError("empty", "no content")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(encoding)
            except UnicodeDecodeError as exc:
                raise DecodeError("undecodable", f"{encoding} BOM but invalid bytes: {exc.reason}") from exc
            return Decoded(_check_text(text, encoding), encoding, "bom")
    binary = sniff_binary(data)
    if binary:
        raise DecodeError("not_text", f"content is a {binary}, not text")
    transport = _transport(transport_charset, data)
    utf8 = _utf8_despite(transport, data) if transport else None
    if utf8 is not None:
        return utf8
    if transport:
        try:
            text = data.decode(transport)
        except UnicodeDecodeError:
            pass  # mislabelled by the server: the page's declaration and detection decide
        else:
            return Decoded(_check_text(text, transport, data if transport == "utf-8" else None), transport, "http")
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            pass
        else:
            return Decoded(_check_text(text, utf16), utf16, "detected")
    head = data[:_SNIFF * 4]
    controls = len(head.translate(None, _NOT_BINARY))
    if controls > len(head) * _MAX_CONTROL_SHARE:
        raise DecodeError("binary_content", f"{controls} control bytes in the first {len(head)} bytes (over "
                                            f"{_MAX_CONTROL_SHARE:.0%}): binary, not text")
    declared = declared_charset(data) if html else None
    utf8 = _utf8_despite(declared, data) if declared else None
    if utf8 is not None:
        return utf8
    if declared:
        try:
            text = data.decode(declared)
        except UnicodeDecodeError:
            pass  # mislabelled (often cp1252 labelled utf-8): detection decides, and says so
        else:
            return Decoded(_check_text(text, declared, data if declared == "utf-8" else None), declared, "declared")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return Decoded(_check_text(text, "utf-8", data), "utf-8", "utf-8")
    return _detect(data, declared)


def _detect(data: bytes, declared: str | None) -> Decoded:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is None or best.encoding is None:
        raise DecodeError("undecodable", "no encoding decodes these bytes cleanly")
    if best.chaos > 0.3:
        raise DecodeError("undecodable", f"best guess {best.encoding} is too garbled (chaos {best.chaos:.2f})")
    encoding = _canonical(best.encoding) or best.encoding
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DecodeError("undecodable", f"detected {encoding} but the full text does not decode") from exc
    text = _check_text(text, encoding)
    how = f"detected (declared {declared} did not decode)" if declared else "detected"
    return Decoded(text, encoding, how)
