"""GX Data Docs readable offline: every page carries our fallback styles, before GX's CDN links."""

from __future__ import annotations

import pandas as pd

from newsflow.gates.data_docs import MARK
from newsflow.gates.runner import Check, run_gate


def test_every_data_docs_page_gets_the_offline_styles_before_the_cdn_links(tmp_path):
    frame = pd.DataFrame({"record_id": ["a", "b"], "kind": ["txt", "exe"]})
    report = run_gate("offline", frame, [Check("ExpectColumnValuesToBeInSet",
                                               {"column": "kind", "value_set": ["txt"]}, "unsupported_type")],
                      tmp_path / "offline.gx.json", tmp_path / "docs")
    assert report.row_reasons == {"b": [("unsupported_type", "expect_column_values_to_be_in_set")]}
    pages = sorted((tmp_path / "docs").rglob("*.html"))
    assert len(pages) >= 3  # index, the suite, the validation
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert text.count(MARK) == 1
        assert text.index(MARK) < text.index("https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css")
    validation = next(p for p in pages if "validations" in p.parts)
    assert 'class="fas fa-times text-danger"' in validation.read_text(encoding="utf-8")  # the icon the styles draw
