"""The metric queries on hand-built data: changelog-based waits and commitments, windows."""

import datetime as dt
import random

import pytest
from conftest import item

from analysis.metrics.rows import Window, compute, team_windows
from analysis.report import build_report
from analysis.settings import Settings
from analysis.store import DerivedDataOutdated, Store

OWNERSHIP = [
    {"kind": "jira_project", "value": "CHK", "team": "Checkout"},
    {"kind": "jira_project", "value": "PAY", "team": "Payments"},
]
TEAMS = [
    {"team": "Checkout", "reorg_date": "2024-07-01", "model": "sto"},
    {"team": "Payments", "reorg_date": "2024-07-01", "model": "sto"},
]


def link(item_key, to_value, at, removed=False, change_id=None):
    text = f"This issue is blocked by {to_value}"
    return {
        "item_key": item_key,
        "change_id": change_id or f"{item_key}:{at}",
        "changed_at": at,
        "field": "Link",
        "from_value": to_value if removed else None,
        "from_string": text if removed else None,
        "to_value": None if removed else to_value,
        "to_string": None if removed else text,
    }


@pytest.fixture
def org(store, canonical_file):
    def load(tables):
        store.load_paths([canonical_file("org.json", {"teams": TEAMS, "ownership": OWNERSHIP, **tables})])
        return store

    return load


def test_changelog_wait_runs_from_link_added_to_link_removed(org):
    # CHK-1 (created Aug 1) was blocked by PAY-1 from Aug 5 09:00 until the link was removed on
    # Aug 8 21:00: 3.5 days (hand). PAY-1 resolves later, on Aug 20, which must not matter.
    store = org(
        {
            "work_items": [
                item("CHK-1", "2024-08-01", "2024-08-15", has_changelog=True),
                item("PAY-1", "2024-07-20", "2024-08-20"),
            ],
            "field_changes": [
                link("CHK-1", "PAY-1", "2024-08-05T09:00:00+00:00"),
                link("CHK-1", "PAY-1", "2024-08-08T21:00:00+00:00", removed=True),
            ],
            "links": [],
        }
    )
    data = compute(store.con, Settings())
    waits = data.waits.set_index("item_key")
    assert waits.loc["CHK-1", "wait_days"] == pytest.approx(3.5)
    assert waits.loc["CHK-1", "period"] == "after"


def test_without_history_the_wait_runs_from_creation_to_the_blockers_resolution(org):
    # No Link changes: CHK-2 created Aug 1 09:00, blocker PAY-2 resolved Aug 11 17:00:
    # 10 days 8 hours = 10.3333 days (hand). A same-team blocker (CHK-3) never counts.
    store = org(
        {
            "work_items": [
                item("CHK-2", "2024-08-01", "2024-08-30"),
                item("PAY-2", "2024-07-01", "2024-08-11"),
                item("CHK-3", "2024-07-01", "2024-08-25"),
            ],
            "links": [
                {"item_key": "CHK-2", "link_type": "Blocks", "direction": "inward", "linked_key": "PAY-2"},
                {"item_key": "CHK-2", "link_type": "Blocks", "direction": "inward", "linked_key": "CHK-3"},
                {"item_key": "CHK-2", "link_type": "Relates", "direction": "inward", "linked_key": "PAY-1"},
            ],
        }
    )
    data = compute(store.con, Settings())
    assert data.waits["item_key"].tolist() == ["CHK-2"]
    assert data.waits["wait_days"].iloc[0] == pytest.approx(10 + 8 / 24)
    matrix = data.wait_matrix.set_index(["team", "period", "blocker_team"])
    assert matrix.loc[("Checkout", "after", "Payments"), "items_waiting"] == 1


def test_overlapping_blockers_count_once(org):
    # PAY-1 blocks Aug 1 09:00 -> Aug 6 17:00, PAY-2 blocks Aug 1 09:00 -> Aug 4 17:00: the union
    # is the longer stretch, 5 days 8 hours (hand), not the 8.67-day sum.
    store = org(
        {
            "work_items": [
                item("CHK-1", "2024-08-01", "2024-08-30"),
                item("PAY-1", "2024-07-01", "2024-08-06"),
                item("PAY-2", "2024-07-01", "2024-08-04"),
            ],
            "links": [
                {"item_key": "CHK-1", "link_type": "Blocks", "direction": "inward", "linked_key": "PAY-1"},
                {"item_key": "PAY-2", "link_type": "Blocks", "direction": "outward", "linked_key": "CHK-1"},
            ],
        }
    )
    data = compute(store.con, Settings())
    assert data.waits["wait_days"].tolist() == [pytest.approx(5 + 8 / 24)]


THREE_TEAMS = {
    "teams": TEAMS + [{"team": "Shipping", "reorg_date": "2024-07-01", "model": "sto"}],
    "ownership": OWNERSHIP + [{"kind": "jira_project", "value": "SHP", "team": "Shipping"}],
}


def test_wait_matrix_counts_overlaps_once_per_blocking_team(org):
    # CHK-1 (created Aug 1 09:00) waits on PAY-1 (resolved Aug 6 17:00), PAY-2 (Aug 4 17:00) and
    # SHP-1 (Aug 3 17:00), all from its creation. By hand: on Payments the union of 5d8h and 3d8h
    # is 5d8h; on Shipping 2d8h; the item's own wait is the union of all three, 5d8h.
    store = org(
        {
            **THREE_TEAMS,
            "work_items": [
                item("CHK-1", "2024-08-01", "2024-08-30"),
                item("PAY-1", "2024-07-01", "2024-08-06"),
                item("PAY-2", "2024-07-01", "2024-08-04"),
                item("SHP-1", "2024-07-01", "2024-08-03"),
            ],
            "links": [
                {"item_key": "CHK-1", "link_type": "Blocks", "direction": "inward", "linked_key": blocker}
                for blocker in ("PAY-1", "PAY-2", "SHP-1")
            ],
        }
    )
    data = compute(store.con, Settings())
    assert data.waits["wait_days"].tolist() == [pytest.approx(5 + 8 / 24)]
    matrix = data.wait_matrix.set_index("blocker_team")
    assert matrix.loc["Payments", "wait_days"] == pytest.approx(5 + 8 / 24)
    assert matrix.loc["Shipping", "wait_days"] == pytest.approx(2 + 8 / 24)
    assert matrix["items_waiting"].tolist() == [1, 1]


def test_waits_are_the_union_of_random_stretches(org):
    """Random link histories (one added/removed stretch per blocker, some nested, some apart,
    some running past the item's resolution), against a plain sort-and-merge union written here."""
    rng = random.Random(20240801)
    start = dt.datetime(2024, 8, 2, tzinfo=dt.UTC)
    resolved = dt.datetime(2024, 8, 30, 17, tzinfo=dt.UTC)  # item()'s resolution time
    items, changes, expected_item, expected_team = [], [], {}, {}
    blockers = [f"{project}-{n}" for project in ("PAY", "SHP") for n in range(1, 7)]
    for n in range(1, 41):
        key = f"CHK-{n}"
        items.append(item(key, "2024-08-01", "2024-08-30", has_changelog=True))
        stretches = []
        for blocker in rng.sample(blockers, rng.randint(1, 5)):
            begin = start + dt.timedelta(hours=rng.randint(0, 600))
            end = begin + dt.timedelta(hours=rng.randint(1, 120), seconds=rng.randint(0, 59))
            stretches.append((blocker[:3], begin, min(end, resolved)))
            changes += [
                link(key, blocker, begin.isoformat(), change_id=f"{key}:{blocker}:added"),
                link(key, blocker, end.isoformat(), removed=True, change_id=f"{key}:{blocker}:removed"),
            ]
        expected_item[key] = union_days([(b, e) for _, b, e in stretches])
        for project, team in (("PAY", "Payments"), ("SHP", "Shipping")):
            chosen = [(b, e) for p, b, e in stretches if p == project]
            if chosen:
                expected_team.setdefault(team, []).append(union_days(chosen))
    items += [item(key, "2024-07-01", "2024-09-30") for key in blockers]
    store = org({**THREE_TEAMS, "work_items": items, "field_changes": changes, "links": []})
    data = compute(store.con, Settings())
    found = dict(zip(data.waits["item_key"], data.waits["wait_days"]))
    assert found == pytest.approx(expected_item, abs=1e-9)
    matrix = data.wait_matrix.set_index("blocker_team")
    for team, waits in expected_team.items():
        assert matrix.loc[team, "items_waiting"] == len(waits)
        assert matrix.loc[team, "wait_days"] == pytest.approx(sum(waits), abs=1e-9)


def union_days(stretches) -> float:
    """Total length in days of the union of (start, end) stretches: sort, then merge."""
    total, current = dt.timedelta(0), None
    for begin, end in sorted(stretches):
        if current and begin <= current[1]:
            current = (current[0], max(current[1], end))
        else:
            if current:
                total += current[1] - current[0]
            current = (begin, end)
    total += current[1] - current[0]
    return total / dt.timedelta(days=1)


def status(item_key, to_status, at):
    return {
        "item_key": item_key,
        "change_id": f"{item_key}:{at}",
        "changed_at": at,
        "from_status": None,
        "to_status": to_status,
    }


def flagged(item_key, at, cleared=False):
    return {
        "item_key": item_key,
        "change_id": f"{item_key}:flag:{at}",
        "changed_at": at,
        "field": "Flagged",
        "from_value": None,
        "from_string": "Impediment" if cleared else None,
        "to_value": None,
        "to_string": None if cleared else "Impediment",
    }


def test_blocked_status_and_flagged_time_count_as_waits_on_the_items_blockers(org):
    # CHK-1 (Aug 1 09:00 -> Aug 30 17:00) has a changelog. Hand count:
    #   status Blocked Aug 5 09:00 -> In Progress Aug 7 09:00      2 days
    #   Flagged Aug 10 09:00 -> cleared Aug 11 21:00                1.5 days
    #   link to PAY-1 added Aug 20 09:00, PAY-1 resolved Aug 25 17:00  5 days 8 hours
    # = 8.8333 days, all waits on Payments (the team is known through the link).
    # CHK-2 is Blocked too, but its only blocker is its own team's: no wait.
    store = org(
        {
            "work_items": [
                item("CHK-1", "2024-08-01", "2024-08-30", has_changelog=True),
                item("PAY-1", "2024-07-20", "2024-08-25"),
                item("CHK-2", "2024-08-01", "2024-08-30", has_changelog=True),
                item("CHK-3", "2024-07-01", "2024-08-29"),
            ],
            "status_changes": [
                status("CHK-1", "Blocked", "2024-08-05T09:00:00+00:00"),
                status("CHK-1", "In Progress", "2024-08-07T09:00:00+00:00"),
                status("CHK-2", "Blocked", "2024-08-05T09:00:00+00:00"),
                status("CHK-2", "In Progress", "2024-08-07T09:00:00+00:00"),
            ],
            "field_changes": [
                flagged("CHK-1", "2024-08-10T09:00:00+00:00"),
                flagged("CHK-1", "2024-08-11T21:00:00+00:00", cleared=True),
                link("CHK-1", "PAY-1", "2024-08-20T09:00:00+00:00"),
                link("CHK-2", "CHK-3", "2024-08-20T09:00:00+00:00"),
            ],
            "links": [],
        }
    )
    data = compute(store.con, Settings())
    assert data.waits["item_key"].tolist() == ["CHK-1"]
    assert data.waits["wait_days"].iloc[0] == pytest.approx(2 + 1.5 + 5 + 8 / 24)
    # Not counted when the status is not one of the settings' blocked statuses.
    store.prepare(Settings(blocked_statuses=()))
    without = compute(store.con, Settings(blocked_statuses=()))
    assert without.waits["wait_days"].iloc[0] == pytest.approx(1.5 + 5 + 8 / 24)


def test_commitment_is_the_first_due_date_and_replans_are_counted(org):
    # Due Aug 10 at first, re-planned twice to Aug 30; resolved Aug 29 17:00 UTC.
    # Against the first date the slip is +19 days (late); against the final one it would be -1.
    store = org(
        {
            "work_items": [
                item(
                    "CHK-1",
                    "2024-08-01",
                    "2024-08-29",
                    due_date="2024-08-30",
                    first_due_date="2024-08-10",
                    due_date_changes=2,
                    has_changelog=True,
                ),
                item("CHK-2", "2024-08-01", "2024-08-12", due_date="2024-08-10"),
                item("CHK-3", "2024-08-01", "2024-08-12"),  # no commitment
            ]
        }
    )
    data = compute(store.con, Settings())
    rows = data.commitments.set_index("item_key")
    assert sorted(rows.index) == ["CHK-1", "CHK-2"]
    assert rows.loc["CHK-1", "slip_days"] == 19
    assert rows.loc["CHK-1", "commitment_source"] == "first due date"
    assert rows.loc["CHK-1", "replans"] == 2
    assert rows.loc["CHK-2", "slip_days"] == 2
    assert rows.loc["CHK-2", "commitment_source"] == "final due date"


def test_commitments_can_be_narrowed_to_issue_types(org):
    store = org(
        {
            "work_items": [
                item("CHK-1", "2024-08-01", "2024-08-12", due_date="2024-08-10", item_type="Epic"),
                item("CHK-2", "2024-08-01", "2024-08-12", due_date="2024-08-10", item_type="Story"),
            ]
        }
    )
    data = compute(store.con, Settings(commitment_issue_types=("Epic",)))
    assert data.commitments["item_key"].tolist() == ["CHK-1"]


def test_windows_are_cut_to_the_span_and_an_outside_reorg_gives_empty_windows():
    settings = Settings(window_days=180)
    span = (dt.date(2024, 3, 1), dt.date(2024, 10, 31))
    before, after = team_windows("T", dt.date(2024, 7, 1), span, settings)
    assert (before.start, before.end, before.days) == (dt.date(2024, 3, 1), dt.date(2024, 7, 1), 122)
    assert (after.start, after.end, after.days) == (dt.date(2024, 7, 1), dt.date(2024, 11, 1), 123)
    outside = team_windows("T", dt.date(2025, 6, 1), span, settings)
    assert [w.days for w in outside] == [0, 0]
    assert team_windows("T", dt.date(2024, 7, 1), (None, None), settings) == []


def test_transition_days_shift_the_after_window():
    before, after = team_windows(
        "T",
        dt.date(2024, 7, 1),
        (dt.date(2023, 1, 1), dt.date(2025, 12, 31)),
        Settings(window_days=90, transition_days=30),
    )
    assert before == Window("T", "before", dt.date(2024, 4, 2), dt.date(2024, 7, 1))
    assert after == Window("T", "after", dt.date(2024, 7, 31), dt.date(2024, 10, 29))


def test_one_team_report_equals_its_entry_in_the_whole_report():
    """build_team_report computes only that team's (and the comparison teams') windows, yet
    must give the same entry as build_report, but for the p-value adjustment across teams."""
    from analysis.report import build_report, build_team_report
    from analysis.workspace import open_shared_store

    con = open_shared_store().con
    settings = Settings(window_days=120, bootstrap_samples=300)
    whole = {entry["team"]: entry for entry in build_report(con, settings)["teams"]}
    for team in whole:
        alone = build_team_report(con, settings, team)
        for metric in alone["metrics"].values():
            assert metric["decision"]["p_adjusted"] is None
        for metric in whole[team]["metrics"].values():
            assert metric["decision"]["p_value"] is None or metric["decision"]["p_adjusted"] is not None
            metric["decision"]["p_adjusted"] = None
        assert alone == whole[team]
    assert build_team_report(con, settings, "No such team") is None


def test_blocked_intervals_are_reused_until_the_data_or_the_link_settings_change(org):
    store = org(
        {
            "work_items": [item("CHK-1", "2024-08-01", "2024-08-30"), item("PAY-1", "2024-07-01", "2024-08-06")],
            "links": [{"item_key": "CHK-1", "link_type": "Blocks", "direction": "inward", "linked_key": "PAY-1"}],
        }
    )
    first = compute(store.con, Settings())
    store.con.execute("delete from blocked_intervals")  # a reused table keeps this change...
    store.prepare(Settings(window_days=90))  # ...settings that do not touch it leave it as it is
    assert compute(store.con, Settings(window_days=90)).waits.empty
    relinked = Settings(blocking_link_types=("Blocks", "Depends"))
    with pytest.raises(DerivedDataOutdated):  # a report only reads: new link settings are prepared first
        compute(store.con, relinked)
    version = store.version
    store.prepare(relinked)  # ...and rebuilt for new link settings
    assert store.version > version
    assert compute(store.con, relinked).waits["wait_days"].tolist() == first.waits["wait_days"].tolist()
    store.con.execute("delete from blocked_intervals")
    store.refresh_attribution()  # so does any change of the data, keeping the link settings
    assert compute(store.con, relinked).waits["wait_days"].tolist() == first.waits["wait_days"].tolist()


def test_a_report_never_writes_to_the_database(tmp_path):
    """A report and a Team page read a database opened read-only (the hosted app's shared base)."""
    from analysis.views import team as team_view
    from analysis.workspace import DEFAULT_DATA_DIR

    path = tmp_path / "base.duckdb"
    built = Store(path)
    built.load_paths([DEFAULT_DATA_DIR])
    expected = build_report(built.con, Settings())
    built.close()
    shared = Store(path, read_only=True)
    view = shared.view()
    assert build_report(view.con, Settings()) == expected
    entry = next(team for team in expected["teams"] if team["team"] == "Checkout")
    page = team_view.team_page(view.con, Settings(), entry)
    assert team_view.items_table(view.con, page.data)[1] > 0
    with pytest.raises(DerivedDataOutdated):  # another time zone is prepared in a copy, never here
        build_report(view.con, Settings(timezone="Asia/Tokyo"))


def test_the_report_does_not_depend_on_the_order_of_metric_rows(monkeypatch):
    """The metric queries return rows in no particular order (parallel scans): the same report
    must come out of reversed and shuffled rows."""
    from analysis import report as report_module
    from analysis.workspace import open_shared_store

    con = open_shared_store().con
    settings = Settings(bootstrap_samples=300)
    expected = report_module.build_report(con, settings)
    real_compute = report_module.compute
    for shuffle in (lambda frame: frame.iloc[::-1], lambda frame: frame.sample(frac=1, random_state=3)):

        def reordered(*args, shuffle=shuffle, **kwargs):
            data = real_compute(*args, **kwargs)
            for table in ("release_days", "commitments", "waits", "wait_matrix", "resolved"):
                setattr(data, table, shuffle(getattr(data, table)))
            return data

        monkeypatch.setattr(report_module, "compute", reordered)
        assert report_module.build_report(con, settings) == expected
