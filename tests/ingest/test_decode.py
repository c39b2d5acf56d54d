import codecs

import pytest

from newsflow.ingest.decode import DecodeError, declared_charset, decode_bytes

TEXT = "Le président a dit: « Ça suffit ». Naïve café — “quoted” ‘text’ €5."


def test_utf8_plain():
    assert decode_bytes(TEXT.encode("utf-8"), html=False).text == TEXT


@pytest.mark.parametrize("bom,encoding", [
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
])
def test_bom_wins(bom, encoding):
    decoded = decode_bytes(bom + TEXT.encode(encoding), html=False)
    assert decoded.text == TEXT and decoded.how == "bom"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected(encoding):
    decoded = decode_bytes(("<p>" + TEXT * 5 + "</p>").encode(encoding), html=True)
    assert TEXT in decoded.text and decoded.encoding == encoding


def test_declared_charset_is_used():
    page = f'<html><head><meta charset="iso-8859-2"></head><body>Zażółć gęślą jaźń {TEXT[:10]}</body></html>'
    data = page.encode("iso-8859-2")
    assert declared_charset(data) == "iso8859-2"
    assert "Zażółć gęślą jaźń" in decode_bytes(data, html=True).text


def test_latin1_label_means_cp1252():
    page = '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"><p>“Smart” quotes — €</p>'
    decoded = decode_bytes(page.encode("cp1252"), html=True)
    assert "“Smart” quotes — €" in decoded.text and decoded.encoding == "cp1252"


def test_cp1252_mislabelled_utf8_is_detected_not_mojibake():
    page = ('<meta charset="utf-8"><p>' + "Der Minister sagte, die Gespräche über Zölle würden fortgesetzt. " * 20
            + "“Wir sind bereit,” sagte er.</p>")
    decoded = decode_bytes(page.encode("cp1252"), html=True)
    assert "Gespräche über Zölle" in decoded.text
    assert "detected" in decoded.how and "declared utf-8" in decoded.how


@pytest.mark.parametrize("data,code", [
    (b"", "empty"), (b"   \n\t ", "empty"), (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3 binary", "not_text"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not_text"), (b"\x1f\x8b\x08\x00gzip", "not_text"),
    (b"text with \x00 nul bytes inside", "binary_content"),
])
def test_bad_bytes_have_reasons(data, code):
    with pytest.raises(DecodeError) as info:
        decode_bytes(data, html=True)
    assert info.value.code == code


def test_random_binary_is_rejected():
    import random

    data = random.Random(7).randbytes(20_000)
    with pytest.raises(DecodeError) as info:
        decode_bytes(data, html=True)
    assert info.value.code == "binary_content"


def test_control_characters_are_counted_on_the_text_whatever_its_encoding():
    import pytest

    from newsflow.ingest.decode import DecodeError, decode_bytes

    prose = "Zoë’s café — 東京 report. " * 40
    noisy = prose + "\x01\x02\x03\x1b\x7f" * 4  # 20 controls in ~1,000 characters: more than 8
    with pytest.raises(DecodeError) as caught:
        decode_bytes(b"\xff\xfe" + noisy.encode("utf-16-le"), html=False)
    assert caught.value.code == "control_characters" and "20 control characters" in caught.value.detail
    quiet = prose + "\x0c\x01"  # a form feed is layout, one stray control is tolerated
    assert decode_bytes(b"\xef\xbb\xbf" + quiet.encode("utf-8"), html=False).text == quiet


def test_utf8_labelled_with_a_single_byte_charset_is_utf8():
    # a site that moved to UTF-8 and kept its old <meta> (or a server's latin-1 default): valid UTF-8 beyond
    # ASCII is not latin-1 text, whose accents never come in lead-and-continuation pairs
    page = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15"><p>Nada más, él dijo: ¿qué?</p>'
    decoded = decode_bytes(page.encode("utf-8"), html=True)
    assert "Nada más, él dijo: ¿qué?" in decoded.text
    assert decoded.encoding == "utf-8" and decoded.how == "relabelled from iso8859-15"
    served = decode_bytes("<p>Zölle für Gespräche</p>".encode(), html=True, transport_charset="ISO-8859-1")
    assert served.text == "<p>Zölle für Gespräche</p>" and served.how == "relabelled from cp1252"


def test_single_byte_text_keeps_its_label():
    page = '<meta charset="iso-8859-15"><p>Nada más, él dijo: ¿qué? 5 €</p>'
    decoded = decode_bytes(page.encode("iso-8859-15"), html=True)
    assert "Nada más, él dijo: ¿qué? 5 €" in decoded.text and decoded.encoding == "iso8859-15"
    koi8 = '<meta charset="koi8-r"><p>Президент сказал, что переговоры продолжатся.</p>'
    assert "Президент сказал" in decode_bytes(koi8.encode("koi8-r"), html=True).text
