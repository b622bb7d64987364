"""What a Jira CSV export looks like in the UI languages Jira ships: header names, month names
and AM/PM markers.

Jira writes headers, month names and day periods in the exporting user's language. Month names
and day periods come from CLDR through Babel (the same data Java, and so Jira, formats dates
with); a small alias table adds forms Jira writes that CLDR lacks. Header names cannot come from
CLDR: each one below was seen in a real export, and the comment beside it says where. A language
whose headers were not found in any real export (Italian, Japanese, Dutch) is served by
the column mapping (ImportOptions.column_map, `--column-map FILE`); its month names and AM/PM
markers are recognised all the same.
"""

from __future__ import annotations

import re

from babel import Locale

# UI languages whose month names and day periods are recognised.
LANGUAGES = ("en", "es", "ru", "de", "fr", "pt", "it", "ja", "zh", "nl", "pl")

# ---- header names ----------------------------------------------------------------------------
# Canonical field -> header names, per language. English, Spanish and Russian live in
# jira_csv.py (their source is ../shared/samples/jira_csv); these are the others. "Public code"
# means a file in a public repository that holds a real export's header.
HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    # German, Jira Cloud "all fields": the header row pasted as a sample CSV into a Vue page of
    # a public app (public code): Zusammenfassung, Vorgangsschlüssel,
    # Vorgangs-ID, Vorgangstyp, Status, Projektschlüssel, Priorität, Lösung, Zugewiesene
    # Person, Autor, Erstellt, Aktualisiert, Erledigt, Fälligkeitsdatum, Statuskategorie,
    # Übergeordnet, "Benutzerdefinierte Felder (...)". "Bearbeiter" and "Stichwörter" (Server's
    # assignee and labels) from the German header in a pytest test of a public Jira CSV
    # importer (public code), whose dates read "23.10.2024 11:02".
    "de": {
        "item_key": ("Vorgangsschlüssel",),
        "item_id": ("Vorgangs-ID",),
        "project_key": ("Projektschlüssel",),
        "title": ("Zusammenfassung",),
        "item_type": ("Vorgangstyp",),
        "status_category": ("Statuskategorie",),
        "priority": ("Priorität",),
        "resolution": ("Lösung",),
        "assignee": ("Zugewiesene Person", "Bearbeiter"),
        "reporter": ("Autor",),
        "parent_id": ("Übergeordnet",),
        "created": ("Erstellt",),
        "updated": ("Aktualisiert",),
        "resolved": ("Erledigt",),
        "due": ("Fälligkeitsdatum",),
        "labels": ("Stichwörter",),
    },
    # Portuguese (Brazil), Jira Cloud: "Tipo de item", "Chave da item", "ID da item", Resumo,
    # Responsável, Relator, Prioridade: the columns a public TypeScript app reads from uploaded
    # exports (public code); Criado and "Campo personalizado (...)" listed as the expected
    # export columns of another; Resolvido beside Criado in a script over
    # a real export; "Atualizado(a)" as the column a third importer
    # compares.
    "pt": {
        "item_key": ("Chave da item",),
        "item_id": ("ID da item",),
        "title": ("Resumo",),
        "item_type": ("Tipo de item",),
        "priority": ("Prioridade",),
        "assignee": ("Responsável",),
        "reporter": ("Relator",),
        "created": ("Criado",),
        "updated": ("Atualizado(a)",),
        "resolved": ("Resolvido",),
    },
    # Polish, Jira Cloud: "Typ zgłoszenia", Podsumowanie, "Klucz zgłoszenia", "Id. zgłoszenia",
    # "Pole niestandardowe (...)", "Element nadrzędny": the header an Express app reads and writes
    # in the order of a Cloud export (Issue Type, Summary, Status, Issue key, Issue id, Custom
    # field, Parent, Parent summary; public code); Utworzono and
    # Zaktualizowano from a PowerShell script over a Jira Service Management export, which also names custom fields "Pole własne (...)".
    "pl": {
        "item_key": ("Klucz zgłoszenia",),
        "item_id": ("Id. zgłoszenia",),
        "title": ("Podsumowanie",),
        "item_type": ("Typ zgłoszenia",),
        "parent_id": ("Element nadrzędny",),
        "created": ("Utworzono",),
        "updated": ("Zaktualizowano",),
    },
    # Chinese (Simplified): 问题关键字, 概要, 经办人, 创建日期, 解决日期, 标签 and "自定义字段(...)"
    # (no space before the bracket) read from weekly Jira CSV exports by a public analysis tool
    # (public code); 模块 (components) and 自定义字段(Epic Link) beside
    # 问题关键字 and 概要 in a script indexing a Chinese Jira CSV export's header row.
    "zh": {
        "item_key": ("问题关键字",),
        "title": ("概要",),
        "assignee": ("经办人",),
        "created": ("创建日期",),
        "resolved": ("解决日期",),
        "labels": ("标签",),
        "components": ("模块",),
    },
    # French, Jira Cloud: Résumé, "Clé de ticket", "Type de ticket" and the link columns from a
    # public tool's README sample of "format Jira réel" (public code) and
    # a script writing the same header; "Clé de projet" from pandas code
    # over a French export. No French creation-date header was found:
    # map it with the column mapping (created,<your header>).
    "fr": {
        "item_key": ("Clé de ticket",),
        "project_key": ("Clé de projet",),
        "title": ("Résumé",),
        "item_type": ("Type de ticket",),
    },
}

# "Custom field (X)" in each language (same sources as above).
CUSTOM_FIELD_PREFIXES = {
    "de": ("Benutzerdefinierte Felder",),
    "pt": ("Campo personalizado",),
    "pl": ("Pole niestandardowe", "Pole własne"),
    "zh": ("自定义字段",),
}

# "Inward/Outward issue link (<type>)" (French: the README sample above).
LINK_PREFIXES = {
    "inward": ("Lien du ticket entrant",),
    "outward": ("Lien de ticket sortant",),
}

# ---- month names -----------------------------------------------------------------------------

# Forms Jira writes that CLDR (Babel 2.18) lacks, each with where it was seen. Values are
# English abbreviations, which strptime reads.
MONTH_ALIASES = {
    # Russian: Jira's export writes Java's older short forms "фев" and "сен." where CLDR has
    # "февр." and "сент." (../shared/samples PROVENANCE: the Russian-UI export of
    # nykval/ekocrop-jira-release-map; its dates look like 29/июл/26 09:59). Prefix matching
    # below also reads them; the aliases keep them whatever CLDR does next.
    "фев": "Feb",
    "сен": "Sep",
}

ENGLISH_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MIN_PREFIX = 3


def normalise_token(text: str) -> str:
    """A month name or day period as compared: no dots or spaces, case folded."""
    return re.sub(r"[.\s\u00a0\u202f]", "", text).casefold()


def _month_tables() -> tuple[dict[str, str], dict[str, set[str]]]:
    """Every month token any language writes -> English abbreviation; and the tokens two
    languages read as different months (left out; expected none, a test checks).

    For each language: CLDR's format and stand-alone forms, abbreviated and wide, dots
    stripped, and every prefix of at least three letters that names one month only in that
    language ("juil" but not "jui" in French). CJK forms ("2月", "二月") are taken whole. One
    table then serves every file, whatever its header language.
    """
    months_of: dict[str, set[str]] = {}
    for code in LANGUAGES:
        months = Locale.parse(code).months
        candidates: dict[str, set[int]] = {}
        for context in ("format", "stand-alone"):
            for width in ("abbreviated", "wide"):
                for month in range(1, 13):
                    form = normalise_token(months[context][width][month])
                    if not re.search(r"[^\W\d_]{3}", form):
                        candidates.setdefault(form, set()).add(month)
                        continue
                    for end in range(MIN_PREFIX, len(form) + 1):
                        candidates.setdefault(form[:end], set()).add(month)
        for token, found in candidates.items():
            if len(found) == 1:
                months_of.setdefault(token, set()).add(ENGLISH_MONTHS[next(iter(found)) - 1])
    table = {token: next(iter(found)) for token, found in months_of.items() if len(found) == 1}
    table.update(MONTH_ALIASES)
    return table, {token: found for token, found in months_of.items() if len(found) > 1}


def _day_periods() -> dict[str, str]:
    """AM/PM markers (abbreviated and wide, not the one-letter narrow ones) -> "am" / "pm"."""
    table: dict[str, str] = {}
    for code in LANGUAGES:
        periods = Locale.parse(code).day_periods
        for context in ("format", "stand-alone"):
            for width in ("abbreviated", "wide"):
                try:
                    names = periods[context][width]
                except KeyError:
                    continue
                for period in ("am", "pm"):
                    try:
                        table.setdefault(normalise_token(names[period]), period)
                    except KeyError:
                        continue
    return table


MONTHS, MONTH_CONFLICTS = _month_tables()
DAY_PERIODS = _day_periods()
