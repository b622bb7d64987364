"""Who moved where (queries/roster_moves.sql, analysis/views/roster.py): the Sankey flows of the
dated roster at each reorg date, against hand counts of a small roster and of the demo's
members.csv, and the names on hover only when the setting allows them."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from analysis.settings import Settings
from analysis.store import Store
from analysis.views import roster
from analysis.views.data import edit_settings
from analysis.workspace import open_shared_store
from analysis.workspace_file import settings_from_dict, settings_to_dict

HOSTILE = "<b>Mallory</b> & co"

# A small roster, counted by hand. A and B reorganise on 2024-07-01, C on 2025-01-01, D never.
TEAMS = [("A", "2024-07-01"), ("B", "2024-07-01"), ("C", "2025-01-01"), ("D", None)]
MEMBERS = [
    ("p1", "A", None, "2024-06-30"),
    ("p1", "B", "2024-07-01", None),  # A -> B
    ("p2", "A", "2023-01-01", "2024-06-30"),
    ("p2", "B", "2024-07-01", None),  # A -> B
    ("p3", "A", None, None),  # stays in A, which reorganised: A -> A
    ("p4", "B", None, "2024-12-31"),  # stays in B on 2024-07-01: B -> B
    ("p4", "C", "2025-01-01", None),  # then B -> C on 2025-01-01
    ("p5", "D", None, None),  # D did not reorganise and p5 did not move: no flow
    ("p6", "D", None, "2024-06-30"),
    ("p6", "A", "2024-07-01", None),  # from the comparison team into A: D -> A
    ("p7", "B", "2024-07-01", None),  # joined on the day: not a move
    ("p8", "A", None, "2024-06-30"),  # left the day before: not a move
    ("p9", "C", None, None),  # stays in C, which reorganised on 2025-01-01: C -> C
    (HOSTILE, "A", None, "2024-06-30"),
    (HOSTILE, "B", "2024-07-01", None),  # A -> B, a name that must stay text
]
# By hand from MEMBERS: (date, old, new) -> people.
EXPECTED = {
    (dt.date(2024, 7, 1), "A", "A"): ["p3"],
    (dt.date(2024, 7, 1), "A", "B"): [HOSTILE, "p1", "p2"],
    (dt.date(2024, 7, 1), "B", "B"): ["p4"],
    (dt.date(2024, 7, 1), "D", "A"): ["p6"],
    (dt.date(2025, 1, 1), "B", "C"): ["p4"],
    (dt.date(2025, 1, 1), "C", "C"): ["p9"],
}


@pytest.fixture
def small():
    store = Store()
    con = store.con
    for team, reorg in TEAMS:
        con.execute("insert into teams values (?, ?, 'sto', null, 'teams.csv')", [team, reorg])
    for person, team, start, end in MEMBERS:
        con.execute("insert into members values (?, ?, ?, ?, 'members.csv')", [person, team, start, end])
    yield con
    store.close()


def every_diagram(con, show_names=False):
    """(reorg date, its diagram) for every date with people, oldest first: what the Overview draws
    for an organisation with up to roster.DRAWN_AT_ONCE reorg dates."""
    flows = roster.roster_flows(roster.roster_moves(con))
    return [(day, roster.sankey_figure(flows, day, show_names)) for day in roster.people_by_date(flows)]


def as_dict(flows):
    return {(r.reorg_date, r.old_team, r.new_team): list(r.names) for r in flows.itertuples()}


def test_flows_of_a_small_roster_match_the_hand_count(small):
    flows = roster.roster_flows(roster.roster_moves(small))
    assert as_dict(flows) == EXPECTED
    assert flows["people"].tolist() == [len(names) for names in EXPECTED.values()]
    assert list(roster.people_by_date(flows)) == [dt.date(2024, 7, 1), dt.date(2025, 1, 1)]


def test_one_diagram_per_reorg_date_with_old_teams_left_and_new_right(small):
    figures = every_diagram(small)
    assert [day for day, _ in figures] == [dt.date(2024, 7, 1), dt.date(2025, 1, 1)]
    sankey = figures[0][1].data[0]
    assert list(sankey.node.label) == ["A", "B", "D", "A", "B"]  # before: A, B, D; after: A, B
    assert [side.split(":")[0] for side in sankey.node.customdata] == ["before"] * 3 + ["after"] * 2
    flows = {
        (sankey.node.label[s], sankey.node.label[t]): v
        for s, t, v in zip(sankey.link.source, sankey.link.target, sankey.link.value)
    }
    assert flows == {("A", "A"): 1, ("A", "B"): 3, ("B", "B"): 1, ("D", "A"): 1}
    assert all(sankey.node.customdata[t].startswith("after") for t in sankey.link.target)
    assert sankey.valueformat == ".0f"  # whole people on hover
    later = figures[1][1].data[0]
    assert list(later.node.label) == ["B", "C", "C"]
    assert list(later.link.value) == [1, 1]


def test_names_are_on_hover_only_when_allowed_and_always_escaped(small):
    hidden = every_diagram(small, show_names=False)[0][1]
    text = hidden.to_json()
    for person in ("p1", "p2", "p3", "p6", "Mallory"):
        assert person not in text
    counts = dict(zip(zip(hidden.data[0].link.source, hidden.data[0].link.target), hidden.data[0].link.customdata))
    assert counts == {(0, 3): "1 person", (0, 4): "3 people", (1, 4): "1 person", (2, 3): "1 person"}
    # Nodes: how many left each old team (A: p3 stayed, p1, p2, Mallory moved) and joined each new one.
    assert list(hidden.data[0].node.customdata) == [
        "before: 4 people",
        "before: 1 person",
        "before: 1 person",
        "after: 2 people",
        "after: 4 people",
    ]
    shown = every_diagram(small, show_names=True)[0][1].data[0]
    details = dict(zip(zip(shown.link.source, shown.link.target), shown.link.customdata))
    assert details[(0, 4)] == "3 people<br>&lt;b&gt;Mallory&lt;/b&gt; &amp; co<br>p1<br>p2"
    assert details[(0, 3)] == "1 person<br>p3"
    assert "%{customdata}" in shown.link.hovertemplate


def test_the_demo_rosters_moves_match_the_hand_count():
    # data/demo/members.csv by hand: every team reorganised on 2025-10-01; everyone's old team
    # ended on 2025-09-30 and the new one started on 2025-10-01. Uma Reddy and Tomás Ruiz joined
    # later and Sofia Brandt left in January: none of that is a move on the reorg date.
    store = open_shared_store()
    try:
        flows = roster.roster_flows(roster.roster_moves(store.con))
        figures = every_diagram(store.con)
    finally:
        store.close()
    day = dt.date(2025, 10, 1)
    assert as_dict(flows) == {
        (day, "Agents", "Assist"): ["Hugo Martin", "Ines Sousa", "Jonas Berg"],
        (day, "Infra", "Assist"): ["Marco Rossi"],
        (day, "Infra", "Checkout"): ["Kai Tanaka", "Lena Fischer"],
        (day, "Mobile", "Onboarding"): ["Elif Demir", "Farid Haddad", "Grace Kim", "Sofia Brandt"],
        (day, "Web", "Checkout"): ["Ana Lima", "Ben Carter", "Dev Patel"],
        (day, "Web", "Onboarding"): ["Chloe Nguyen"],
    }
    assert int(flows["people"].sum()) == 14
    assert len(figures) == 1 and figures[0][0] == day


def test_an_empty_roster_draws_nothing(store):
    assert every_diagram(store.con) == []


# ---- the setting ---------------------------------------------------------------------------------


def test_names_are_off_by_default_and_checked():
    assert Settings().show_roster_names is False
    problems = Settings(show_roster_names="yes").problems()
    assert [str(p) for p in problems] == ["Names in the reorg diagram (show_roster_names): 'yes' is not true or false"]


def test_the_names_setting_changes_no_report_and_travels_with_a_workspace():
    on = dataclasses.replace(Settings(), show_roster_names=True)
    # Equal for the report caches: no number depends on it, so it never recomputes a report.
    assert on == Settings() and hash(on) == hash(Settings())
    assert settings_from_dict(settings_to_dict(on), "workspace.zip").show_roster_names is True
    assert settings_from_dict(settings_to_dict(Settings()), "workspace.zip").show_roster_names is False


def test_the_data_page_saves_the_names_setting(store):
    fields = {
        "blocking_link_types": ["Blocks"],
        "blocked_statuses": [],
        "release_tag_pattern": Settings().release_tag_pattern,
        "commitment_issue_types": [],
        "include_prereleases": False,
        "comparison_date": None,
        "min_items": 5,
        "min_releases": 3,
    }
    saved, problems = edit_settings(Settings(), store.con, show_roster_names=True, **fields)
    assert problems == [] and saved.show_roster_names is True
    kept, _ = edit_settings(saved, store.con, **fields)  # not given: kept as it was
    assert kept.show_roster_names is True


def test_people_by_date_counts_everyone_placed_at_each_reorg_date(small):
    flows = roster.roster_flows(roster.roster_moves(small))
    # By hand from EXPECTED: 2024-07-01 has p3, Mallory, p1, p2, p4, p6; 2025-01-01 has p4, p9.
    assert roster.people_by_date(flows) == {dt.date(2024, 7, 1): 6, dt.date(2025, 1, 1): 2}


def test_every_date_is_drawn_up_to_four_then_the_chosen_or_the_busiest():
    four = {dt.date(2024, month, 1): month for month in (1, 2, 3, 4)}
    assert roster.dates_to_draw(four, None) == list(four)
    five = {dt.date(2024, 1, 1): 3, dt.date(2024, 2, 1): 9, dt.date(2024, 3, 1): 9, **{dt.date(2024, 4, 1): 1}}
    five[dt.date(2024, 5, 1)] = 2
    # The most people, the earliest of a tie.
    assert roster.dates_to_draw(five, None) == [dt.date(2024, 2, 1)]
    assert roster.dates_to_draw(five, dt.date(2024, 5, 1)) == [dt.date(2024, 5, 1)]
    assert roster.dates_to_draw(five, dt.date(2023, 1, 1)) == [dt.date(2024, 2, 1)]  # not a reorg date
