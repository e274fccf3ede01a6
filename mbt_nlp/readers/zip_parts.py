"""Guard for zip-based documents (DOCX, XLSX) before a library parses them.

A few kilobytes of zip can declare gigabytes of XML; python-docx and openpyxl
would inflate and parse it all. The sizes in the zip directory cap what
`zipfile` will ever inflate, so checking them first is enough.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from mbt_nlp.errors import InputError

MAX_XML_PART_BYTES = 50 * 1024 * 1024


def check_zip_parts(path: str | Path, kind: str, limit: int = MAX_XML_PART_BYTES) -> None:
    """Raise InputError if `path` is no zip archive or an XML part would unpack past `limit`."""
    source = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):
        raise InputError(f"not a readable {kind} file (not a zip archive)", source) from None
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror or err}", source) from None
    for part in parts:
        if part.filename.endswith((".xml", ".rels")) and part.file_size > limit:
            raise InputError(
                f"{part.filename} would unpack to {part.file_size:,} bytes (limit {limit:,}): "
                f"refused as a possible zip bomb, not a {kind} transcript",
                source,
            )
