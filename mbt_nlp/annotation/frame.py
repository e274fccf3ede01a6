"""pandas API: tag a DataFrame of turns in a notebook."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from mbt_nlp.annotation.summary import turn_row
from mbt_nlp.annotation.turns import annotate_turns
from mbt_nlp.errors import InputError
from mbt_nlp.readers import ReadOptions
from mbt_nlp.readers.records import record_to_turn
from mbt_nlp.transcript import RoleMap

if TYPE_CHECKING:
    from spacy.language import Language


def tag_dataframe(
    df: pd.DataFrame,
    text: str = "text",
    speaker: str = "speaker",
    session: str | None = "session",
    turn: str | None = None,
    *,
    nlp: Language | None = None,
    clinician: str | None = None,
    label_clinician: bool = False,
) -> pd.DataFrame:
    """One row per input row (same index) with the columns of `mbt tag --format csv`.

    `session` may name a missing column (all rows are then one session, "dataframe");
    `turn` defaults to the row position within the frame.
    """
    for column in (text, speaker):
        if column not in df.columns:
            raise InputError(f"no column {column!r} (columns: {', '.join(map(str, df.columns))})",
                             "<dataframe>")
    options = ReadOptions(
        session_field=session or "session", turn_field=turn or "turn", speaker_field=speaker,
        text_field=text, roles=RoleMap.from_options(clinician),
    )
    columns = [c for c in (text, speaker, session, turn) if c and c in df.columns]
    if "role" in df.columns:
        columns.append("role")
    turns = [
        record_to_turn(row, i, "<dataframe>", "dataframe", options, record_number=i + 1)
        for i, row in enumerate(df[columns].to_dict("records"))
    ]
    if nlp is None:
        from mbt_nlp import load

        nlp = load()
    rows = [turn_row(r) for r in annotate_turns(nlp, turns, label_clinician=label_clinician)]
    return pd.DataFrame(rows, index=df.index)
