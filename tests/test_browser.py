"""Real-browser tests: Playwright driving Debian's Chromium against a Streamlit server.

What only a browser can show: the charts drawn, a deep link on a freshly started server opening
the right page with the same chrome, the URL kept in sync with the bound widgets, and two visitors
kept apart (AppTest runs every test as one session). One server serves the module; the deep-link
test starts its own, which no browser has opened before. Every test also fails on a browser
console error, except the two 404 probes Streamlit makes on a deep link (see browser.PageWatch).
Screenshots of every page, light, dark and on a phone, are taken by tests/test_look_browser.py.
"""

import re
from pathlib import Path

import pytest
from browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PROJECT_DIR,
    PageWatch,
    chromium_available,
    open_app,
    streamlit_server,
    wait_for_script,
)

pytestmark = pytest.mark.browser

SAMPLES = PROJECT_DIR.parent / "shared" / "samples"
DEMO = PROJECT_DIR / "data" / "demo"
VIEWPORT = {"width": 1400, "height": 900}
TIMEOUT = 90_000  # ms; the first run of a session loads the demo and computes its report
EXPECT_TIMEOUT = 15_000  # ms; what an expectation waits for once the script run has finished
PAGES = {"overview": "Overview", "team": "Team", "dependencies": "Dependencies", "data": "Data", "methods": "Methods"}
CHARTS = "[data-testid=stPlotlyChart], .js-plotly-plot"
PAGES_WITH_CHARTS = ("overview", "team", "dependencies")  # timeline; metric charts; wait heatmaps
SETTINGS_LABELS = ("Window (days)", "Transition (days)", "Tolerance (days)", "Time zone")
DEMO_TEAMS = ("Checkout", "Onboarding", "Assist", "Billing", "Search", "Catalog")
NEW_TEAM = "Platform Guild"  # a team only the uploaded organisation file has


@pytest.fixture(scope="module")
def playwright_api():
    """Playwright's sync API; the tests skip only when Debian's Chromium is missing (Playwright
    itself is in requirements-dev.txt: without it they fail)."""
    if not chromium_available():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    import playwright.sync_api

    return playwright.sync_api


@pytest.fixture(scope="module")
def expect(playwright_api):
    playwright_api.expect.set_options(timeout=EXPECT_TIMEOUT)
    return playwright_api.expect


@pytest.fixture(scope="module")
def browser(playwright_api):
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server():
    with streamlit_server() as url:
        yield url


def new_page(browser):
    """A page in a browser context of its own (a new visitor), and what it logs."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT)
    page = context.new_page()
    return page, PageWatch(page)


# ---- what the tests look at ---------------------------------------------------------------------


def sidebar_nav(page):
    return page.locator("[data-testid=stSidebarNav]")


def go_to(page, title: str) -> None:
    """Follow the sidebar navigation, in the same session (a page.goto would start a new one)."""
    sidebar_nav(page).get_by_role("link", name=title, exact=True).click()
    page.wait_for_url(
        re.compile(rf"/{title.lower()}(\?|$)") if title != "Overview" else re.compile(r"/(overview)?(\?|$)")
    )
    wait_for_script(page)


def heading(page):
    return page.locator("[data-testid=stMain] h1").first


def window_input(page):
    return page.locator("[data-testid=stSidebar] input[aria-label='Window (days)']")


def team_input(page):
    return page.locator("[data-testid=stMain] input[role=combobox][aria-label=Team]")


def team_link(page, team: str):
    """A team's link to its Team page (the Overview's plain-words list)."""
    return page.locator("[data-testid=stMain] a[data-testid=stPageLink-NavLink]").filter(
        has=page.locator("[data-testid=stMarkdownContainer]", has_text=re.compile(rf"^{re.escape(team)}$"))
    )


def in_url(page, **params) -> bool:
    return all(re.search(rf"[?&]{name}={re.escape(str(value))}(&|$)", page.url) for name, value in params.items())


def assert_clean(*watches: PageWatch) -> None:
    """No browser console error, page error or failed response (but the deep-link probes)."""
    problems = [problem for watch in watches for problem in watch.problems()]
    assert not problems, "browser problems:\n" + "\n".join(problems)


def assert_no_exception(page) -> None:
    shown = page.locator("[data-testid=stException]")
    assert shown.count() == 0, shown.all_inner_texts()


def assert_chrome(page, current: str) -> None:
    """The shared chrome: the sidebar navigation to every page, the current one marked, and the
    view settings."""
    links = sidebar_nav(page).locator("a")
    assert [text.split()[-1] for text in links.all_inner_texts()] == list(PAGES.values())
    current_link = sidebar_nav(page).locator("a[aria-current=page]")
    assert current_link.count() == 1 and current_link.inner_text().split()[-1] == current
    sidebar = page.locator("[data-testid=stSidebar]")
    for label in SETTINGS_LABELS:
        assert sidebar.get_by_text(label, exact=True).count() == 1, f"no {label!r} in the sidebar"


def shown_charts(page, at_least: int = 1) -> int:
    """Plotly draws after the script run ends: wait for the charts themselves."""
    page.locator(CHARTS).nth(at_least - 1).wait_for(state="visible", timeout=TIMEOUT)
    page.locator(".js-plotly-plot .main-svg").first.wait_for(state="attached", timeout=TIMEOUT)
    return page.locator("[data-testid=stPlotlyChart]").count()


# ---- first load, and every page ---------------------------------------------------------------


@pytest.fixture(scope="module")
def visitor(browser, server):
    """A visitor's first load of the app's root; the page tests below go on in that session."""
    page, watch = new_page(browser)
    open_app(page, server)
    yield page, watch
    page.context.close()


def test_first_load_shows_charts_on_the_overview(visitor, expect):
    page, watch = visitor
    assert shown_charts(page) >= 1
    expect(heading(page)).to_have_text("Overview")
    for team in DEMO_TEAMS:
        expect(team_link(page, team), f"no link to {team}'s page on the Overview").to_have_count(1)
    assert_no_exception(page)
    assert_chrome(page, "Overview")
    assert_clean(watch)


@pytest.mark.parametrize("slug", PAGES)
def test_every_page_renders(visitor, slug):
    page, watch = visitor
    title = PAGES[slug]
    go_to(page, title)
    if slug in PAGES_WITH_CHARTS:
        assert shown_charts(page) >= 1, f"no chart on {title}"
    assert_no_exception(page)
    assert_chrome(page, title)
    assert_clean(watch)


# ---- the answer on the first screen --------------------------------------------------------------

FIRST_SCREEN = {"width": 1400, "height": 1000}
GRID_HEADER_PIXELS = 35  # Streamlit's dataframe: the header row, then rows of 35 pixels


def test_the_overview_headline_is_in_the_first_viewport(browser, server, expect):
    context = browser.new_context(viewport=FIRST_SCREEN)
    page = context.new_page()
    watch = PageWatch(page)
    open_app(page, server)
    headline = page.locator("[data-testid=stMain] .st-key-headline")
    expect(headline).to_contain_text("reorganised to a single-threaded owner (STO")
    expect(headline).to_contain_text("2 improved (Checkout: timeline accuracy, dependency waits)")
    box = headline.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= FIRST_SCREEN["height"], box
    # The verdict grid starts on the same screen, below the headline.
    grid = page.locator("[data-testid=stMain] [data-testid=stDataFrame]").first.bounding_box()
    assert box["y"] + box["height"] < grid["y"] < FIRST_SCREEN["height"] - 3 * GRID_HEADER_PIXELS, grid
    assert_no_exception(page)
    assert_clean(watch)
    context.close()


def test_a_team_name_in_the_verdict_grid_opens_its_team_page_with_the_settings(browser, server):
    context = browser.new_context(viewport=FIRST_SCREEN)
    page = context.new_page()
    watch = PageWatch(page)
    open_app(page, f"{server}/?window=120")
    grid = page.locator("[data-testid=stMain] [data-testid=stDataFrame]").first.bounding_box()
    # The grid is drawn on a canvas: its fifth row is Checkout's first metric (report order:
    # Assist's three, then Checkout's), its first column the team link.
    x, y = grid["x"] + 25, grid["y"] + GRID_HEADER_PIXELS + 4 * GRID_HEADER_PIXELS + GRID_HEADER_PIXELS / 2
    page.mouse.move(x, y)
    with context.expect_page(timeout=EXPECT_TIMEOUT) as opened:
        page.mouse.click(x, y)
    team_page = opened.value
    team_watch = PageWatch(team_page)
    team_page.wait_for_load_state()
    wait_for_script(team_page)
    assert in_url(team_page, team="Checkout", window=120), team_page.url
    assert heading(team_page).inner_text() == "Checkout"
    assert (
        team_page.locator("[data-testid=stMain] .st-key-team_headline")
        .inner_text()
        .startswith("Checkout's release frequency")
    )
    assert_no_exception(team_page)
    assert_clean(watch, team_watch)
    context.close()


# ---- the view in the link ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def link_visitor(browser, visitor, expect):
    """Visitor 1 picks a team and a window on the Team page; visitor 2 opens the page's URL."""
    page, _ = visitor
    go_to(page, "Team")
    team_input(page).click()
    page.get_by_role("option", name="Checkout", exact=True).click()
    wait_for_script(page)
    window_input(page).fill("120")
    window_input(page).press("Enter")
    wait_for_script(page)
    expect(heading(page)).to_have_text("Checkout")
    assert in_url(page, team="Checkout", window=120), page.url
    other, other_watch = new_page(browser)
    open_app(other, page.url)
    yield other, other_watch
    other.context.close()


def test_a_copied_link_opens_the_same_view(visitor, link_visitor, expect):
    page, watch = link_visitor
    expect(team_input(page)).to_have_value("Checkout")
    expect(heading(page)).to_have_text("Checkout")
    expect(window_input(page)).to_have_value("120")
    assert_no_exception(page)
    assert_clean(watch, visitor[1])


def test_the_link_settings_stay_when_moving_to_another_page(link_visitor, expect):
    """The window a shared link set stays in force (and in the URL) when the visitor moves on
    with the sidebar navigation: otherwise the next page silently shows other numbers."""
    page, watch = link_visitor
    go_to(page, "Overview")
    expect(window_input(page), "the window went back to its default on the Overview").to_have_value("120")
    assert in_url(page, window=120), page.url
    # The settings sentence, above the timeline.
    captions = page.locator("[data-testid=stMain] [data-testid=stCaptionContainer]")
    expect(captions.filter(has_text="windows of 120 days")).to_have_count(1)
    assert_clean(watch)


def test_the_badge_switch_stays_in_the_link_from_the_overview_to_the_team_page(browser, server, expect):
    """Unadjusted badges chosen on the Overview are the Team page's badges too (same link)."""
    page, watch = new_page(browser)
    open_app(page, server)
    switch = page.locator("[data-testid=stSidebar] [data-testid=stCheckbox]").filter(
        has_text="Badges: adjusted for multiple comparisons"
    )
    expect(switch.locator("input")).to_be_checked()
    switch.locator("label").click()
    wait_for_script(page)
    expect(switch.locator("input")).not_to_be_checked()
    assert in_url(page, adjusted="false"), page.url
    team_link(page, "Checkout").click()
    page.wait_for_url(re.compile(r"/team\?"))
    wait_for_script(page)
    expect(heading(page)).to_have_text("Checkout")
    expect(switch.locator("input")).not_to_be_checked()
    assert in_url(page, adjusted="false"), page.url
    assert_no_exception(page)
    assert_clean(watch)
    page.context.close()


# ---- the comparison table at a laptop's width ------------------------------------------------------


def test_the_comparison_table_shows_every_column_without_a_sideways_scroll(browser, server, expect):
    """At 1400 pixels wide the table's adjusted p and minimum detectable effect were past its
    right edge, behind a sideways scroll (scroll width 1563 pixels in a 938-pixel table)."""
    page, watch = new_page(browser)
    assert page.viewport_size == {"width": 1400, "height": 900}
    open_app(page, f"{server}/team?team=Checkout")
    table = page.locator("[data-testid=stMain] [data-testid=stDataFrame]").filter(
        has=page.locator("th[role=columnheader]", has_text=re.compile(r"^Judged"))
    )
    expect(table).to_have_count(1)
    scroll_width, client_width = table.locator(".dvn-scroller").evaluate(
        "scroller => [scroller.scrollWidth, scroller.clientWidth]"
    )
    assert scroll_width <= client_width, (scroll_width, client_width)
    # The grid puts in its accessible table only the columns in view: all five.
    assert table.locator("th[role=columnheader]").all_inner_texts() == [
        "Metric",
        "Judged",
        "Estimate (interval), p",
        "Adjusted p",
        "Min. detectable effect",
    ]
    assert_no_exception(page)
    assert_clean(watch)
    page.context.close()


# ---- a deep link on a freshly started server ----------------------------------------------------


def test_a_deep_link_on_a_fresh_server_opens_that_team(browser, expect):
    with streamlit_server() as fresh:
        page, watch = new_page(browser)
        open_app(page, f"{fresh}/team?team=Onboarding&window=90")
        expect(team_input(page)).to_have_value("Onboarding")
        expect(heading(page)).to_have_text("Onboarding")
        expect(window_input(page)).to_have_value("90")
        assert shown_charts(page) >= 1
        assert_no_exception(page)
        assert_chrome(page, "Team")
        assert in_url(page, team="Onboarding", window=90), page.url
        assert "Threadline" in page.title()
        assert_clean(watch)
        page.context.close()


def test_a_link_to_the_first_team_keeps_its_name_in_the_url(browser, server, expect):
    """Streamlit leaves a bound widget's default value out of the URL: with the first team as the
    default, a link copied from its page was a bare /team, which opens whichever team comes
    first once other teams are added. The team chosen, first or not, stays in the URL."""
    page, watch = new_page(browser)
    open_app(page, f"{server}/team?team=Assist")
    expect(heading(page)).to_have_text("Assist")
    assert in_url(page, team="Assist"), page.url
    page.goto(f"{server}/team")  # the sidebar's Team link: the first team, as before
    wait_for_script(page)
    expect(heading(page)).to_have_text("Assist")
    expect(team_input(page)).to_have_value("Assist")
    assert_no_exception(page)
    assert_clean(watch)
    page.context.close()


# Mixed first requests: the root and deep links, as a shared link brings many visitors at once.
SIMULTANEOUS_VISITS = [
    ("", "Overview", "Overview"),
    ("/team?team=Checkout", "Team", "Checkout"),
    ("/dependencies", "Dependencies", "Dependencies"),
    ("/team?team=Billing&window=90", "Team", "Billing"),
    ("/", "Overview", "Overview"),
    ("/methods", "Methods", "Methods"),
    ("/data", "Data", "Data"),
    ("/team?team=Assist", "Team", "Assist"),
]


def test_many_visitors_arriving_at_once_on_a_fresh_server_each_get_their_page(browser, expect, tmp_path):
    """Eight visitors open the root and deep links at the same moment on a server that has not
    even built its shared base yet (an empty cache folder): each sees the page it asked for,
    with the same chrome, and no error page."""
    with streamlit_server(env={"THREADLINE_CACHE_DIR": str(tmp_path / "cache")}) as fresh:
        visits = [(new_page(browser), path, current, title) for path, current, title in SIMULTANEOUS_VISITS]
        for (page, _), path, _, _ in visits:  # every request is sent before any page has drawn
            page.goto(fresh + path, wait_until="commit")
        for (page, watch), path, current, title in visits:
            page.locator("[data-testid=stMain] [data-testid=stElementContainer]").first.wait_for(state="attached")
            wait_for_script(page)
            # Widgets are drawn by script chunks the browser may still be fetching: wait for them.
            for label in SETTINGS_LABELS:
                expect(page.locator("[data-testid=stSidebar]").get_by_text(label, exact=True)).to_have_count(1)
            expect(heading(page), f"{path or '/'} shows another page").to_have_text(title)
            assert_no_exception(page)
            assert_chrome(page, current)
            assert page.get_by_text("cannot be called directly").count() == 0
            assert_clean(watch)
        for (page, _), _, _, _ in visits:
            page.context.close()
        assert len(list((tmp_path / "cache").glob("base-*.duckdb"))) == 1  # parsed once for all of them


# ---- uploads: what one visitor loads, only that visitor sees ----------------------------------


def upload_files(folder: Path) -> list[Path]:
    """A real Jira export, and organisation files (the demo's plus a new team owning its project)."""
    jira = SAMPLES / "jira_csv" / "ericmedlock__planeso-jira-migration__Jira.csv"
    if not jira.exists():  # without ../shared beside the project: a Jira Cloud export of our own
        jira = PROJECT_DIR / "tests" / "fixtures" / "jira_csv" / "cloud_all_fields.csv"
    project = re.search(r",([A-Z][A-Z0-9]+)-\d+,", jira.read_text(encoding="utf-8")).group(1)
    teams = folder / "teams.csv"
    teams.write_text(
        (DEMO / "teams.csv").read_text(encoding="utf-8").rstrip("\n") + f"\n{NEW_TEAM},2025-08-01,sto,Test Lead\n",
        encoding="utf-8",
    )
    ownership = folder / "ownership.csv"
    ownership.write_text(
        (DEMO / "ownership.csv").read_text(encoding="utf-8").rstrip("\n") + f"\njira_project,{project},{NEW_TEAM},,\n",
        encoding="utf-8",
    )
    return [jira, teams, ownership]


@pytest.fixture(scope="module")
def uploaded(browser, server, tmp_path_factory):
    """Visitor A opens the Data page and loads the files through its uploader."""
    files = upload_files(tmp_path_factory.mktemp("upload"))
    page, watch = new_page(browser)
    open_app(page, f"{server}/data")
    sent = []  # the uploader sends each file to the server as soon as it is chosen
    page.on(
        "response",
        lambda response: (
            "/_stcore/upload_file/" in response.url
            and response.ok
            and response.request.method == "PUT"
            and sent.append(response.url)
        ),
    )
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files([str(path) for path in files])
    for path in files:
        page.locator(f"[data-testid=stFileChipName][title='{path.name}']").wait_for(timeout=TIMEOUT)
    for _ in range(TIMEOUT // 100):
        if len(sent) >= len(files):
            break
        page.wait_for_timeout(100)
    assert len(sent) == len(files), f"the uploader sent {len(sent)} of {len(files)} files"
    page.get_by_role("button", name="Load files").click()
    page.get_by_text(f"{len(files)} uploaded files (this session only)").wait_for(timeout=TIMEOUT)
    wait_for_script(page)
    yield page, watch, files
    page.context.close()


def test_an_upload_changes_what_the_visitor_sees(uploaded, expect):
    page, watch, files = uploaded
    main = page.locator("[data-testid=stMain]")
    # The data-quality table lists the Jira export (dataframe cells are in the DOM, hidden).
    expect(main.get_by_text(files[0].name, exact=True).first).to_be_attached()
    errors = main.locator("[data-testid=stAlertContentError]")
    assert errors.count() == 0, errors.all_inner_texts()
    assert_no_exception(page)
    go_to(page, "Overview")
    shown_charts(page)
    expect(team_link(page, NEW_TEAM), f"{NEW_TEAM} is not on the Overview after the upload").to_have_count(1)
    go_to(page, "Team")
    team_input(page).click()
    expect(page.get_by_role("option", name=NEW_TEAM, exact=True)).to_have_count(1)
    page.keyboard.press("Escape")
    assert_no_exception(page)
    assert_clean(watch)


def test_another_visitor_does_not_see_the_upload(browser, server, uploaded, expect):
    page_a, _, files = uploaded
    page_b, watch_b = new_page(browser)
    open_app(page_b, server)
    shown_charts(page_b)
    for team in DEMO_TEAMS:  # the whole list is drawn (comparison teams come last)
        expect(team_link(page_b, team)).to_have_count(1)
    assert team_link(page_b, NEW_TEAM).count() == 0, f"visitor B sees {NEW_TEAM}, uploaded by visitor A"
    sidebar = page_b.locator("[data-testid=stSidebar]")
    expect(sidebar.get_by_text("Data: demo", exact=True)).to_have_count(1)
    assert sidebar.get_by_text("uploaded").count() == 0
    go_to(page_b, "Data")
    expect(page_b.locator("[data-testid=stMain]").get_by_text("Data quality", exact=True)).to_have_count(1)
    assert page_b.locator("[data-testid=stMain]").get_by_text(files[0].name, exact=True).count() == 0
    # Visitor A, on the same server, still has the upload.
    go_to(page_a, "Overview")
    expect(team_link(page_a, NEW_TEAM)).to_have_count(1)
    assert_clean(watch_b)
    page_b.context.close()
