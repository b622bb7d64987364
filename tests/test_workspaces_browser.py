"""Shared workspaces in a real browser, on two app servers over one workspaces folder (replicas).

Save, reload, open the link in another browser context and on the other server, update through
the second server (with the edit link) while a reader on the first keeps what it opened until it
reloads, delete and see the plain page, two visitors with two workspaces never see each other's,
and forged or truncated ids open nothing. Each server has its own cache folder (its own copy of
the shared base), as replicas on separate machines would.

What a workspace holds is told apart by the team each upload adds to the demo's, which the Team
page's team list shows.
"""

# ruff: noqa: F811 (the fixtures imported from test_browser are named as parameters)
from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from browser import open_app, streamlit_server, wait_for_script
from test_browser import (  # noqa: F401 (fixtures)
    DEMO,
    TIMEOUT,
    assert_clean,
    assert_no_exception,
    browser,
    expect,
    go_to,
    heading,
    in_url,
    new_page,
    playwright_api,
    team_input,
    window_input,
)

pytestmark = pytest.mark.browser

GONE = "This workspace link has expired or does not exist."


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("replicas")
    shared = {"THREADLINE_WORKSPACES_DIR": str(folder / "workspaces")}
    with (
        streamlit_server({**shared, "THREADLINE_CACHE_DIR": str(folder / "cache-1")}) as first,
        streamlit_server({**shared, "THREADLINE_CACHE_DIR": str(folder / "cache-2")}) as second,
    ):
        yield first, second, folder


@pytest.fixture(scope="module")
def state():
    """What the tests below hand on to each other (they run in order, on one pair of servers)."""
    found = {"pages": []}
    yield found
    for page in found["pages"]:
        page.context.close()


def visitor(browser, state, url: str):
    page, watch = new_page(browser)
    state["pages"].append(page)
    open_app(page, url)
    return page, watch


def teams_file(folder: Path, name: str, team: str) -> Path:
    """The demo's teams plus one more, under a name the data-quality table will list."""
    path = folder / name
    path.write_text(
        (DEMO / "teams.csv").read_text(encoding="utf-8").rstrip("\n") + f"\n{team},2025-08-01,sto,Lead\n",
        encoding="utf-8",
    )
    return path


def upload(page, path: Path) -> None:
    """Load one file through the Data page's uploader (the page must be the Data page)."""
    sent = []
    page.on(
        "response",
        lambda response: (
            ("/_stcore/upload_file/" in response.url and response.ok and response.request.method == "PUT")
            and sent.append(response.url)
        ),
    )
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files([str(path)])
    page.locator(f"[data-testid=stFileChipName][title='{path.name}']").wait_for(timeout=TIMEOUT)
    for _ in range(TIMEOUT // 100):
        if sent:
            break
        page.wait_for_timeout(100)
    page.get_by_role("button", name="Load files").click()
    wait_for_script(page)
    # The upload table lists the file (dataframe cells are in the DOM, hidden).
    page.locator("[data-testid=stMain]").get_by_text(path.name, exact=True).first.wait_for(
        state="attached", timeout=TIMEOUT
    )


def teams(page) -> set[str]:
    """The teams the visitor's data holds (the Team page's list), then back to the Data page."""
    go_to(page, "Team")
    team_input(page).click()
    options = page.get_by_role("option")
    options.first.wait_for(timeout=TIMEOUT)
    names = {text.strip() for text in options.all_inner_texts()}
    page.keyboard.press("Escape")
    go_to(page, "Data")
    return names


def click(page, label: str) -> None:
    page.get_by_role("button", name=label).click()
    wait_for_script(page)


def links(page) -> list[str]:
    """The share link, then (for a session that may update) the edit link. The code blocks are
    drawn by a script chunk the browser may still be fetching: wait for them."""
    blocks = page.locator("[data-testid=stMain] [data-testid=stCode] code")
    blocks.first.wait_for(timeout=TIMEOUT)
    return [text.strip() for text in blocks.all_inner_texts()]


def in_url_of(link: str, **params) -> bool:
    return all(re.search(rf"[?&]{name}={re.escape(str(value))}(&|$)", link) for name, value in params.items())


def on(server: str, link: str) -> str:
    """The same link on another server."""
    return re.sub(r"^http://[^/]+", server, link)


def workspace_of(link: str) -> str:
    return re.search(r"[?&]workspace=([^&]+)", link).group(1)


def reload(page) -> None:
    page.reload()
    page.locator("[data-testid=stMain] [data-testid=stElementContainer]").first.wait_for(
        state="attached", timeout=TIMEOUT
    )
    wait_for_script(page)


def assert_plain_gone_page(page) -> None:
    """The page of a link that opens nothing: its sentence, no navigation, no data of anyone."""
    expect_text = page.locator("[data-testid=stMain]").get_by_text(GONE, exact=True)
    expect_text.wait_for(timeout=TIMEOUT)
    assert page.locator("[data-testid=stSidebarNav]").count() == 0
    assert page.locator("[data-testid=stDataFrame], [data-testid=stPlotlyChart]").count() == 0
    assert page.locator("[data-testid=stSidebar] input").count() == 0
    assert_no_exception(page)


# ---- save, reload, open elsewhere -----------------------------------------------------------------

DEMO_TEAMS = {"Checkout", "Onboarding", "Assist", "Billing", "Catalog", "Search"}


def test_save_reload_and_open_the_link_in_another_context_on_the_other_server(browser, servers, state, expect):
    first, second, folder = servers
    page, watch = visitor(browser, state, f"{first}/data")
    upload(page, teams_file(folder, "guild-teams.csv", "Platform Guild"))
    window_input(page).fill("120")
    window_input(page).press("Enter")
    wait_for_script(page)
    click(page, "Save as a new shared workspace")
    expect(page.get_by_text("Saved as a new shared workspace")).to_have_count(1)
    share, edit = links(page)
    workspace_id = workspace_of(share)
    assert len(workspace_id) == 32 and in_url(page, workspace=workspace_id, window=120), page.url
    assert in_url_of(share, workspace=workspace_id, window=120), share
    assert "edit=" in edit and "edit=" not in page.url
    expect(page.locator("[data-testid=stSidebar]").get_by_text("Data: shared workspace", exact=True)).to_have_count(1)

    reload(page)  # a reload keeps the saved workspace
    expect(page.locator("[data-testid=stSidebar]").get_by_text("Data: shared workspace", exact=True)).to_have_count(1)
    assert teams(page) == DEMO_TEAMS | {"Platform Guild"}  # the id stays in the URL from page to page
    assert in_url(page, workspace=workspace_id), page.url

    other, other_watch = visitor(browser, state, on(second, share))
    assert in_url(other, workspace=workspace_id, window=120), other.url
    expect(window_input(other)).to_have_value("120")  # the view in the link
    assert teams(other) == DEMO_TEAMS | {"Platform Guild"}
    assert other.get_by_role("button", name="Update this workspace").count() == 0  # a viewer
    expect(other.get_by_role("button", name="Delete this workspace")).to_have_count(1)
    assert_no_exception(other)
    assert_clean(watch, other_watch)
    state.update(share=share, edit=edit, workspace_id=workspace_id, creator=page, viewer=other)


def test_an_update_through_the_second_server_reaches_a_reader_of_the_first_after_a_reload(
    browser, servers, state, expect
):
    first, second, folder = servers
    reader, reader_watch = visitor(browser, state, on(first, state["share"]))
    assert teams(reader) == DEMO_TEAMS | {"Platform Guild"}

    editor, editor_watch = visitor(browser, state, on(second, state["edit"]))
    assert "edit=" not in editor.url and in_url(editor, workspace=state["workspace_id"]), editor.url
    upload(editor, teams_file(folder, "second-teams.csv", "Second Guild"))  # replaces the teams table
    click(editor, "Update this workspace")
    expect(editor.get_by_text("Workspace updated")).to_have_count(1)
    assert workspace_of(links(editor)[0]) == state["workspace_id"]  # the same link

    # The reader's session keeps what it opened until it reloads; then it sees the update.
    assert teams(reader) == DEMO_TEAMS | {"Platform Guild"}
    reload(reader)
    assert teams(reader) == DEMO_TEAMS | {"Second Guild"}

    # A viewer's own change stays in the viewer's session: no update for them, the link is unchanged.
    viewer = state["viewer"]
    upload(viewer, teams_file(folder, "viewer-teams.csv", "Viewer Guild"))
    assert viewer.get_by_role("button", name="Update this workspace").count() == 0
    assert teams(viewer) == DEMO_TEAMS | {"Viewer Guild"}
    fresh, fresh_watch = visitor(browser, state, on(first, state["share"]))
    assert teams(fresh) == DEMO_TEAMS | {"Second Guild"}
    assert_clean(reader_watch, editor_watch, fresh_watch)
    state["reader"] = reader


def test_two_visitors_with_two_workspaces_never_see_each_others(browser, servers, state):
    first, second, folder = servers
    page, watch = visitor(browser, state, f"{second}/data")
    assert teams(page) == DEMO_TEAMS
    upload(page, teams_file(folder, "other-teams.csv", "Other Guild"))
    click(page, "Save as a new shared workspace")
    other_share = links(page)[0]
    assert workspace_of(other_share) != state["workspace_id"]

    theirs, theirs_watch = visitor(browser, state, on(first, other_share))
    assert teams(theirs) == DEMO_TEAMS | {"Other Guild"}
    ours, ours_watch = visitor(browser, state, on(second, state["share"]))
    assert teams(ours) == DEMO_TEAMS | {"Second Guild"}
    assert_clean(watch, theirs_watch, ours_watch)
    state["other_share"] = other_share


def test_delete_and_the_link_shows_the_expired_page(browser, servers, state, expect):
    first, second, _ = servers
    reader = state["reader"]  # a link holder on the first server, not the creator
    click(reader, "Delete this workspace")
    expect(reader.get_by_text("Workspace deleted")).to_have_count(1)
    assert "workspace=" not in reader.url
    for server in (first, second):
        page, _ = new_page(browser)
        state["pages"].append(page)
        page.goto(on(server, state["share"]))
        assert_plain_gone_page(page)
    creator = state["creator"]
    reload(creator)
    assert_plain_gone_page(creator)
    click(creator, "Open Threadline without it")
    expect(heading(creator)).to_have_text("Overview")
    assert "workspace=" not in creator.url
    assert teams(creator) == DEMO_TEAMS  # the shared data, nobody's workspace


def test_a_forged_or_truncated_id_opens_nothing(browser, servers, state):
    first, second, _ = servers
    live = workspace_of(state["other_share"])  # still saved: its truncations must open nothing
    for path in (
        f"/?workspace={live[:-1]}",
        f"/data?workspace={live[:16]}",
        f"/team?workspace={secrets.token_urlsafe(24)}",
        "/?workspace=..%2F..%2Fetc%2Fpasswd",
        f"/?workspace={live}%00",
        f"/?workspace={live}x",
    ):
        page, _ = new_page(browser)
        state["pages"].append(page)
        page.goto(second + path)
        assert_plain_gone_page(page)
    page, watch = visitor(browser, state, f"{first}/data?workspace={live}")  # the whole id does open it
    assert teams(page) == DEMO_TEAMS | {"Other Guild"}
    assert_clean(watch)
