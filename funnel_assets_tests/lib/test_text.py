"""Text clean-up done by Arrow's kernels agrees with Python's own idea of whitespace."""

from __future__ import annotations

import re

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from funnel_assets.lib.text import clean_text, text_rank, trimmed

WHITESPACE = "".join(c for c in map(chr, range(0x3100)) if c.isspace())
texts = st.lists(st.one_of(st.none(), st.text(alphabet=st.sampled_from(WHITESPACE + "aé☃1,.")), st.text()), max_size=30)


def python_clean(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = re.sub(r"\s+", " ", value.strip())
    return cleaned or None


@given(texts)
def test_clean_text_trims_and_collapses_whitespace_as_python_does(values):
    assert clean_text(pd.Series(values, dtype=object)).tolist() == [python_clean(v) for v in values]


@given(texts)
def test_trimmed_strips_as_python_does(values):
    expected = [None if v is None or not v.strip() else v.strip() for v in values]
    assert trimmed(pd.Series(values, dtype=object)).tolist() == expected


def test_a_no_break_space_from_a_spreadsheet_is_a_space_and_numbers_become_text():
    values = pd.Series(["\u00a0ACCA\u00a0\u00a0Webinar ", 9876543210, None, " "], index=[5, 6, 7, 8], dtype=object)
    cleaned = clean_text(values)
    assert cleaned.tolist() == ["ACCA Webinar", "9876543210", None, None]
    assert cleaned.index.tolist() == [5, 6, 7, 8]


@given(st.lists(st.one_of(st.none(), st.text()), max_size=30))
def test_text_rank_orders_as_python_sorts_text_missing_last(values):
    ranks = text_rank(pd.Series(values, dtype=object))
    present = sorted({v for v in values if v is not None})
    expected = [len(present) + 1 if v is None else present.index(v) + 1 for v in values]
    assert ranks.tolist() == expected
