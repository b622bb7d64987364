"""Reading small CSV files (organisation files, tag lists) row by row, and their dates.

These files are at most a few thousand rows, so plain Python is simplest; the large Jira CSV
exports go through DuckDB instead (jira_csv.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

from .base import SNIFF_BYTES, FileRefused, detect_encoding, guess_delimiter


def normalise_header(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower().replace(" ", "_")


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Normalised header and (1-based data row number, {column: stripped text}) pairs.

    Ragged rows come back with their extra cells under the key None so callers can reject them.
    """
    raw = path.read_bytes()
    encoding = detect_encoding(raw[:SNIFF_BYTES])
    try:
        text = raw.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError:
        # detect_encoding forgives a bad byte in the last bytes of its sample (a character cut
        # by the sniff window), so a small cp1252 file ending in "José" comes back as UTF-8.
        # A file that is not UTF-8 after all is cp1252, as detect_encoding would have said.
        if encoding != "utf-8":
            raise FileRefused(f"{path.name}: the text is not valid {encoding}.") from None
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise FileRefused(f"{path.name}: the text is neither UTF-8 nor cp1252.") from None
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=guess_delimiter(first_line))
    try:
        header = [normalise_header(cell) for cell in next(reader)]
    except StopIteration:
        raise FileRefused(f"{path.name}: the file is empty.") from None
    except csv.Error as error:
        raise FileRefused(f"{path.name}: the header row cannot be read as CSV ({error}).") from None

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                number += 1
                yield number, {None: f"unreadable CSV row ({error})"}
                continue
            number += 1
            if not any(cell.strip() for cell in cells):
                continue
            row = {name: cell.strip() for name, cell in zip(header, cells)}
            if len(cells) != len(header):
                row[None] = f"has {len(cells)} fields, expected {len(header)} like the header"
            yield number, row

    return header, rows()


def parse_iso_date(text: str) -> dt.date | None:
    """An ISO date (2025-10-01), also as Excel re-saves it with a time (2025-10-01 00:00:00).

    Raises ValueError with the expected form; empty text is None.
    """
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or value.time() != dt.time(0) or value.tzinfo is not None:
        raise ValueError(f'"{text}" is not a date like 2025-10-01 (YYYY-MM-DD)')
    return value.date()


# A date as a spreadsheet re-saves it: 1.10.2025 or 10/1/2025, perhaps with a midnight time.
SPREADSHEET_DATE = re.compile(r"(\d{1,2})([./])(\d{1,2})\2(\d{4})(?:\s+0{1,2}:00(?::00)?)?")


def slash_date_order(values: list[str], given: str | None) -> str | None:
    """How the file's slash dates (10/1/2025) read: `given` (dmy or mdy), else the order the
    values that read one way only settle (a first number above 12 is a day); None when none
    settles it or they disagree."""
    if given:
        return given
    firsts, seconds = [], []
    for value in values:
        match = SPREADSHEET_DATE.fullmatch(value.strip())
        if match and match[2] == "/":
            firsts.append(int(match[1]))
            seconds.append(int(match[3]))
    day_first, month_first = max(firsts, default=0) > 12, max(seconds, default=0) > 12
    if day_first != month_first:
        return "dmy" if day_first else "mdy"
    return None


def parse_spreadsheet_date(text: str, order: str | None) -> dt.date | None:
    """An ISO date (parse_iso_date), or one as a spreadsheet re-saves it: 1.10.2025 (day first
    wherever dots are written) or 10/1/2025 read in `order` (slash_date_order)."""
    match = SPREADSHEET_DATE.fullmatch(text)
    if match is None:
        return parse_iso_date(text)
    first, second, year = int(match[1]), int(match[3]), int(match[4])
    if match[2] == "/" and order is None:
        raise ValueError(
            f'"{text}" is not a date like 2025-10-01 (YYYY-MM-DD), and no date in the file says whether '
            "its day or its month comes first: write it as YYYY-MM-DD or give the date order "
            "(--date-order dmy|mdy on the command line, the upload form's date order)"
        )
    day, month = (second, first) if match[2] == "/" and order == "mdy" else (first, second)
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f'"{text}" is not a date (read as day {day}, month {month}, year {year})') from None


def parse_timestamp(text: str) -> dt.datetime | None:
    """An ISO 8601 timestamp with its offset, as UTC; a naive one is taken as UTC."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
    except (ValueError, OverflowError):  # OverflowError: the UTC time falls outside years 1-9999
        raise ValueError(f'"{text}" is not a timestamp like 2024-05-01T12:30:00+02:00') from None
