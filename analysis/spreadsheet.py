"""CSV a spreadsheet opens safely (OWASP "CSV injection"): a text cell that starts with `=`,
`+`, `-`, `@`, a tab or a carriage return would be run as a formula, so it gets a leading `'`.

Only text is escaped: numbers (a negative one included) stay numbers. Every CSV Threadline
writes goes through here: the command line's report (report_format.format_csv) and each
table's download on the pages (views.common.csv_download).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """The value, with a `'` before text a spreadsheet would run as a formula."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def text_cells(frame: pd.DataFrame, function: Callable) -> pd.DataFrame:
    """A copy of the frame with `function` applied to every text cell of its text columns;
    numbers, missing values and numeric columns are left as they are."""
    return frame.apply(
        lambda column: (
            column.map(lambda value: function(value) if isinstance(value, str) else value)
            if column.dtype == object or pd.api.types.is_string_dtype(column)
            else column
        )
    )


def formula_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the frame with every text cell made formula_safe (numeric columns untouched)."""
    return text_cells(frame, formula_safe)
