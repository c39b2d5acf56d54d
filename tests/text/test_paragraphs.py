from helpers import seed_text

from newsflow.text.paragraphs import clean_paragraphs


def test_glued_paragraphs_of_seed_000_are_split():
    text = clean_paragraphs(seed_text("000"))
    assert "future.Chinese" not in text
    assert "cutting-edge industries of the future.\n\nChinese officials" in text


def test_abbreviations_and_initialisms_stay_glued():
    assert clean_paragraphs("He met Mr.Smith and the U.S.Chinese team.") == "He met Mr.Smith and the U.S.Chinese team."


def test_quote_then_capital_splits():
    assert clean_paragraphs("“It ended,” she said.“Now we wait.”") == "“It ended,” she said.\n\n“Now we wait.”"


def test_blank_lines_between_paragraphs_and_whitespace_folded():
    assert clean_paragraphs("One  para.\r\n\r\n\n Two\u00a0para.\nThree.") == "One para.\n\nTwo para.\n\nThree."


def test_line_per_paragraph_seed_002():
    text = clean_paragraphs(seed_text("002"))
    assert "\n\n\n" not in text and text.count("\n\n") >= 5


def test_idempotent():
    once = clean_paragraphs(seed_text("000"))
    assert clean_paragraphs(once) == once
