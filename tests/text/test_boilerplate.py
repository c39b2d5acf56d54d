from helpers import seed_text

from newsflow.text.boilerplate import find_boilerplate
from newsflow.text.tokens import tokenize


def test_seed_001_leaks_are_found():
    found = find_boilerplate(seed_text("001").split())
    assert "byline glued to date (rappeportmarch)" in found
    assert "please verify youre robot" in found and "go home page" in found


def test_clean_seeds_have_none():
    assert find_boilerplate(tokenize(seed_text("000"))) == []
    assert find_boilerplate(tokenize(seed_text("002"))) == []


def test_dateline_rule_needs_a_glued_name():
    assert find_boilerplate(["dismay", "march", "may"]) == []
    assert find_boilerplate(["smithjanuary"]) == ["byline glued to date (smithjanuary)"]
