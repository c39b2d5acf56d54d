from difflib import SequenceMatcher

from helpers import seed_text

from newsflow.text.tokens import ENGLISH_STOPWORDS, normalize_text, tokenize

# The three spans the naive pass leaked into seed 001 (DEVELOPERS.md, "The seeds").
LEAKED = [
    "keith bradsher alan rappeportmarch",
    "please verify youre robot clicking box invalid email address please enter must select newsletter "
    "subscribe view new york times newsletters",
    "follow keith bradsher twitter keithbradsher keith bradsher reported beijing alan rappeport washington "
    "version article appears print march page new york edition headline china state backed tech major trade "
    "sore spot u order reprints todays paper subscribe interested feedback page tell us think see go home page",
]


def test_stop_list_is_nltk_179():
    assert len(ENGLISH_STOPWORDS) == 179 == len(set(ENGLISH_STOPWORDS))


def test_seed_000_gives_seed_001_minus_the_leaked_spans():
    ours = tokenize(seed_text("000"))
    naive = seed_text("001").split()
    inserted = []
    for op, a0, a1, b0, b1 in SequenceMatcher(a=ours, b=naive, autojunk=False).get_opcodes():
        assert op in ("equal", "insert"), f"seed rule differs from 001 at {ours[a0:a1]} vs {naive[b0:b1]}"
        if op == "insert":
            inserted.append(" ".join(naive[b0:b1]))
    assert inserted == LEAKED


def test_rule_details():
    assert tokenize("Don't STOP the U.S. in 2025’s race") == ["dont", "stop", "u", "race"]
    assert tokenize("you're youre") == ["youre", "youre"]
    assert normalize_text("Café au lait, 42 times!") == "caf au lait times"
    assert tokenize("") == []
