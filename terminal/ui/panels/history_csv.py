"""CSV files of the history panel's rows, in the same format as `journal export`.

The columns and the text of every cell come from `terminal.core.csv_format`, which the
journal's export uses too, so a file from the panel and one from the command line have
identical columns and formatting (tests/ui/test_history_csv.py checks it). Written with
the csv module; small enough to write on the GUI thread (the panel shows at most what
one journal query returned).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from terminal.core.csv_format import (
    FILL_COLUMNS,
    ORDER_COLUMNS,
    FillLike,
    fees_text,
    fill_csv_row,
    order_csv_row,
    write_rows,
)
from terminal.domain.order import Order

__all__ = [
    "FILL_COLUMNS",
    "ORDER_COLUMNS",
    "FillLike",
    "fees_text",
    "fill_record",
    "fill_time",
    "order_record",
    "write_csv",
]


def order_record(o: Order) -> dict[str, str]:
    return order_csv_row(o)


def fill_time(f: FillLike) -> datetime:
    return datetime.fromtimestamp(f.ts_ms / 1000, UTC)


def fill_record(f: FillLike) -> dict[str, str]:
    return fill_csv_row(f)


def write_csv(
    path: Path | str, columns: Sequence[str], records: Iterable[Mapping[str, str]]
) -> int:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        return write_rows(fh, columns, records)
