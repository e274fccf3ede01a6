"""Cells of binary tables (Parquet, XLSX) as the plain values a CSV row would give."""

from __future__ import annotations

import datetime
import math


def plain_value(value: object) -> object:
    """No NaN, no numpy scalars, whole floats as ints (turn 3.0 -> 3), dates as ISO text."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()  # numpy scalars and arrays
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return int(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return value
