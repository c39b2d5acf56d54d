"""Exact and near duplicates over a run's column view, and against the lake's documents."""

from helpers import seed_text, story_paragraphs

from newsflow.dedup.find import Dedup, KnownDoc
from newsflow.dedup.view import view_of_records
from newsflow.normalise.stage import NormaliseStage, SignStage
from newsflow.record import Article
from newsflow.settings import Settings
from newsflow.text.boilerplate import find_boilerplate


def _doc(path: str, text: str, sign: bool = True) -> Article:
    rec = Article(record_id=path, source_path=path, landing_name="l", kind="txt", size_bytes=len(text), sha256=path)
    rec.decoded = text
    NormaliseStage(Settings()).process(rec)
    if sign:
        SignStage(Settings()).process(rec)
    return rec


def _dedup(records: list[Article], known=(), step: Dedup | None = None) -> list[Article]:
    """The dedup step's one entry point (``Dedup.duplicates`` over a run view), verdicts applied as rejects."""
    step = step or Dedup(Settings(), list(known))
    view = view_of_records(records, Settings().minhash_permutations)
    by_id = {r.record_id: r for r in records}
    ids = view.table.column("record_id").to_pylist()
    for row, code, detail in step.duplicates(view):
        by_id[ids[row]].reject("dedup", code, detail)
    return records


def test_leaky_copy_is_near_duplicate_of_clean_original_whatever_the_order():
    leaky = _doc("a_leaky.txt", seed_text("001"))  # sorts first, but carries furniture
    clean = _doc("b_clean.txt", seed_text("000"))
    assert find_boilerplate(leaky.normalized_text.split())
    stage = Dedup(Settings())
    out = _dedup([leaky, clean], step=stage)
    assert not out[1].rejected
    (reason,) = out[0].rejects
    assert reason.code == "near_duplicate" and "b_clean.txt" in reason.detail
    assert stage.stats.as_dict()["reasons"] == {"near_duplicate": 1}


def test_exact_and_distinct():
    text = "\n\n".join(story_paragraphs(1))
    a, b, c = _doc("a.txt", text), _doc("b.txt", text), _doc("c.txt", "\n\n".join(story_paragraphs(2)))
    out = _dedup([a, b, c])
    assert [[x.code for x in r.rejects] for r in out] == [[], ["exact_duplicate"], []]


def test_against_the_lake():
    original = _doc("old.txt", seed_text("002"))
    known = KnownDoc(original.doc_id, original.content_sha256, original.minhash, "old.txt (date=2019-01-01)")
    again = _doc("new.txt", seed_text("002"))
    out = _dedup([again], [known])
    assert out[0].rejects[0].code == "exact_duplicate" and "date=2019-01-01" in out[0].rejects[0].detail


def test_lake_signatures_of_another_scheme_are_used_for_exact_checks_only():
    original = _doc("old.txt", seed_text("002"))
    foreign = KnownDoc(original.doc_id, original.content_sha256, None, "old.txt (date=2019-01-01)")
    near = _doc("near.txt", seed_text("002") + "\n\nOne more closing line was added by the wire service.")
    same = _doc("same.txt", seed_text("002"))
    stage = Dedup(Settings(), [foreign])
    out = _dedup([near, same], step=stage)
    assert [[x.code for x in r.rejects] for r in out] == [[], ["exact_duplicate"]]
    assert stage.stats.as_dict()["counters"]["known_from_lake_exact_only"] == 1
