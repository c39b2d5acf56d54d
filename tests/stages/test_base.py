from newsflow.record import Article
from newsflow.stages.base import Stage, run_stages


def _rec(i: int) -> Article:
    return Article(record_id=str(i), source_path=f"f{i}.txt", landing_name="l", kind="txt", size_bytes=1, sha256="x")


class Flaky(Stage):
    name = "flaky"

    def process(self, record):
        if record.record_id == "1":
            raise ValueError("boom")
        if record.record_id == "2":
            record.reject(self.name, "bad", "no good")


class Counter(Stage):
    name = "after"

    def __init__(self):
        super().__init__()
        self.seen = []

    def process(self, record):
        self.seen.append(record.record_id)


def test_stage_never_drops_and_counts_rejects():
    flaky, after = Flaky(), Counter()
    out = list(run_stages((_rec(i) for i in range(4)), [flaky, after]))
    assert [r.record_id for r in out] == ["0", "1", "2", "3"]
    assert [x.code for x in out[1].rejects] == ["stage_error"] and "boom" in out[1].rejects[0].detail
    assert str(out[2].rejects[0]) == "flaky.bad: no good"
    stats = flaky.stats.as_dict()
    assert (stats["records_in"], stats["records_out"], stats["rejected"]) == (4, 4, 2)
    assert stats["reasons"] == {"bad": 1, "stage_error": 1}
    assert after.seen == ["0", "3"], "rejected records skip later work unless the stage asks to see them"


def test_reject_is_recorded_once():
    rec = _rec(0)
    rec.reject("s", "c", "d")
    rec.reject("s", "c", "d")
    assert len(rec.rejects) == 1
