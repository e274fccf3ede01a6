"""Read AnnoMI's CSV (not bundled) as turns, after checking it is the exact file labelled.

AnnoMI (Wu et al., ICASSP 2022; Future Internet 2023): 133 transcribed
demonstrations of motivational interviewing, released by its authors under a
public-domain licence. The project keeps only its own labels of AnnoMI turns,
keyed by id; the text comes from the user's copy of the CSV.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from mbt_nlp.errors import InputError
from mbt_nlp.readers import ReadOptions, read_transcript
from mbt_nlp.transcript import RoleMap, Turn

# AnnoMI-simple.csv at the authors' commit 42936645 (the same bytes as the earlier
# dataset.csv): the file the labels in raw/ refer to.
SHA256 = "b178db3b0b9858a0fa4ed670dabeccd63e975ba67e141d7ae16f2e8214f78e61"
OPTIONS = ReadOptions(session_field="transcript_id", turn_field="utterance_id",
                      speaker_field="interlocutor", text_field="utterance_text",
                      roles=RoleMap(clinicians=frozenset({"therapist"})))


def read_annomi(path: Path) -> list[Turn]:
    """Every turn of the CSV, in file order; InputError if it is not the labelled file."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SHA256:
        raise InputError(f"{path}: not the AnnoMI file the labels refer to (SHA-256 "
                         f"{digest[:12]}..., expected {SHA256[:12]}...)")
    return list(read_transcript(path, OPTIONS))


def turn_id(turn: Turn) -> str:
    return f"annomi_{turn.session}:{turn.index}"
