"""CSV tables are written without pandas, cell for cell as pandas writes the same rows."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from mbt_nlp.writers.formulas import FORMULA_STARTS, neutralised
from mbt_nlp.writers.tables import write_table

# The kinds of cell our row builders produce (annotation/summary.py): text, whole
# numbers, scores, True/False and gaps, mixed within a column as a session's rows mix them.
CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**62), max_value=2**62),
    st.floats(allow_nan=True, allow_infinity=False),
    st.integers(min_value=-(2**62), max_value=2**62).map(np.int64),  # scores from NumPy
    st.floats(allow_nan=True, allow_infinity=False).map(np.float64),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
    st.sampled_from(["=1+2", "+x", "-2", "@A1", "\tx", "a,b", 'say "hi"', "l1\nl2", "\rx"]),
)
KEYS = st.sampled_from(["session", "turn", "p_none", "text", "risk_negated", "n_doing"])
ROWS = st.lists(st.dictionaries(KEYS, CELLS, max_size=6), max_size=6)


def pandas_csv(rows: list[dict], columns: list[str] | None, raw_cells: bool) -> str:
    """How the tables were written before: a DataFrame, formulas neutralised, to_csv."""
    frame = pd.DataFrame(list(rows), columns=columns if columns and not rows else None)
    if not raw_cells:
        for name in frame.columns:
            frame[name] = frame[name].map(
                lambda v: neutralised(v) if isinstance(v, str) and v.startswith(FORMULA_STARTS)
                else v)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, quoting=csv.QUOTE_NONNUMERIC)
    return buffer.getvalue()


@settings(max_examples=300, deadline=None)
@given(rows=ROWS, raw_cells=st.booleans())
def test_csv_matches_pandas_cell_for_cell(tmp_path_factory, rows, raw_cells):
    path = tmp_path_factory.mktemp("t") / "t.csv"
    write_table(rows, path, "csv", raw_cells=raw_cells)
    assert path.read_bytes().decode("utf-8") == pandas_csv(rows, None, raw_cells)


def test_csv_whole_numbers_with_a_gap_are_written_as_pandas_writes_them(tmp_path):
    # pandas makes such a column float (3 -> 3.0); a gap is an empty quoted cell.
    path = tmp_path / "t.csv"
    write_table([{"n": 3, "b": True, "t": "x"}, {"n": None, "b": False, "t": None}], path, "csv")
    assert path.read_text(encoding="utf-8") == '"n","b","t"\n3.0,True,"x"\n"",False,""\n'


def test_empty_csv_keeps_its_header(tmp_path):
    path = tmp_path / "t.csv"
    write_table([], path, "csv", columns=["session", "turn"])
    assert path.read_text(encoding="utf-8") == '"session","turn"\n'
    assert path.read_text(encoding="utf-8") == pandas_csv([], ["session", "turn"], False)
