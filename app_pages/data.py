"""Data: uploads, the data-quality report, the organisation tables, settings, the workspace file.

Everything here acts on this visitor's own store (context.store); another visitor never sees it.
Text from exports is shown through st.dataframe / st.text, or escaped before Markdown.
"""

import datetime as dt
import shutil
import urllib.parse

import streamlit as st
from streamlit import column_config as cc

from analysis.bounded_parse import Limits
from analysis.fetch.http import FetchError
from analysis.fetch.job import job_from_form, private_addresses_allowed
from analysis.importers.column_map import FIELDS as MAPPING_FIELDS
from analysis.importers.column_map import by_header, mapping_file, mapping_problems, remember
from analysis.importers.org import OWNERSHIP_KINDS
from analysis.org_templates import HELP, template_csv
from analysis.quality import quality_report
from analysis.settings import MIN_MONTHS_RANGE
from analysis.views.common import csv_download, header_text, markdown_literal, table_headers
from analysis.views.data import (
    apply_org,
    edit_settings,
    load_uploads,
    map_unowned,
    org_tables,
    quality_numbers,
    rejects_csv,
    settings_choices,
    unmapped_files,
    unowned,
    upload_table,
)
from analysis.workspace import shared_data_dir
from analysis.workspace_file import WorkspaceFileError, export_workspace
from analysis.workspaces import NotAllowed, QuotaExceeded, WorkspaceFolder, WorkspaceGone, shared_workspace_bytes
from dashboard import (
    EDIT_PARAM,
    START_KEY,
    WORKSPACE_PARAM,
    edit_keys,
    page_setup,
    saved_on_base,
    shared_base,
    show_table,
    sign_in_required,
    start_empty,
    start_from_shared,
)

context = page_setup()
upload_limit = Limits.from_environment()
store, settings = context.store, context.settings
version = store.version  # editors and the settings form start afresh whenever the data changes
st.title("Data")
st.caption("Uploads, edits and settings here belong to this browser session only; other visitors never see them.")


def use_view_settings(saved):
    """Button callback (runs before the sidebar exists): the sidebar takes the file's values,
    kept within the sidebar's bounds (Settings.clamped, the one set of bounds)."""
    saved = saved.clamped()[0]
    st.session_state.update(
        window=saved.window_days, transition=saved.transition_days, tolerance=saved.tolerance_days, tz=saved.timezone
    )


st.header("Upload")


def starting_point():
    """Add to the shared data, or start from an empty workspace: visible, and reversible."""
    shared_name = shared_data_dir().name
    choices = {"shared": f"Add to the {shared_name}", "empty": "Start from an empty workspace"}

    def switch():
        (start_empty if st.session_state["workspace_start_choice"] == "empty" else start_from_shared)()

    st.radio(
        "Starting point",
        list(choices),
        index=list(choices).index(st.session_state.get(START_KEY, "shared")),
        format_func=choices.get,
        horizontal=True,
        key="workspace_start_choice",
        on_change=switch,
        help=f"Switching drops what you loaded in this session: your own files only, or the {shared_name} "
        "data with your files added.",
    )


starting_point()
with st.form("upload_form", clear_on_submit=True):
    files = st.file_uploader(
        "Exports, organisation files or a workspace file",
        accept_multiple_files=True,
        key="upload_files",
        max_upload_size=max(int(upload_limit.upload_mb), 1),
        help="Jira CSV or JSON, GitHub JSON, git tag CSV, teams/members/"
        "ownership CSV, or a workspace .zip downloaded below (it replaces everything loaded so far). "
        "The kind is detected from the content.",
    )
    date_order = st.selectbox(
        "Dates like 3/4/2026 in Jira CSVs re-saved by a spreadsheet",
        (None, "dmy", "mdy"),
        format_func={None: "Work out from the file", "dmy": "Day first (3 April)", "mdy": "Month first (March 4)"}.get,
        index=(None, "dmy", "mdy").index(st.session_state.get("date_order")),  # a workspace's, else the last chosen
        key="upload_date_order",
        help="Only needed when no date in the file says which comes first; such a file is refused until you choose.",
    )
    load = st.form_submit_button("Load files", key="upload_load", type="primary")
if load and files:
    with st.status(f"Loading {len(files)} file(s)...", expanded=True):
        results = load_uploads(
            context.own_store(),  # uploads go into the visitor's own copy, never the shared base
            [(f.name, f.getvalue()) for f in files],
            settings.timezone,
            on_file=lambda i, name: st.text(f"{i + 1} of {len(files)}: {name}"),
            limits=upload_limit,
            date_order=date_order,
            column_maps=by_header(st.session_state.get("column_mappings", [])),
        )
    st.session_state["upload_results"] = results
    st.session_state["unmapped_files"] = unmapped_files([(f.name, f.getvalue()) for f in files], results)
    st.session_state["uploaded_files"] = st.session_state.get("uploaded_files", 0) + sum(r.added for r in results)
    if date_order:
        st.session_state["date_order"] = date_order  # remembered, and saved with a workspace
    restored = [r for r in results if r.settings]
    if restored:
        st.session_state["analysis_settings"] = restored[-1].settings
        st.session_state["data_source"] = restored[-1].file_name
        st.session_state["uploaded_files"] = sum(r.added for r in results if r.settings is None)
        # A restored file replaced everything: a shared workspace saved from here holds it whole.
        st.session_state.update(
            workspace_on_base=False,
            column_mappings=list(restored[-1].column_mappings),
            date_order=restored[-1].date_order,
        )
    st.rerun()  # the sidebar's caption and settings follow what was just loaded
for result in st.session_state.get("upload_results", []):
    if result.problem:  # the file's own text is escaped; the list markers are ours
        shown = st.warning if result.status == "partial" else st.error
        shown(
            "\n\n".join(
                [
                    markdown_literal(result.message or result.file_name),
                    "\n".join(f"- {markdown_literal(line)}" for line in result.rejects),
                ]
            )
        )
    if result.settings:
        st.success(markdown_literal(result.message))
        st.button(
            "Also use the file's window, transition, tolerance and time zone in the sidebar",
            key="use_file_view",
            on_click=use_view_settings,
            args=(result.settings,),
        )
if st.session_state.get("upload_results"):
    uploads = upload_table(st.session_state["upload_results"])
    st.dataframe(uploads, hide_index=True, placeholder="", key="upload_table")
    st.download_button(
        "Download CSV", csv_download(uploads), "uploads.csv", "text/csv", key="upload_csv", on_click="ignore"
    )


def loud_notes():
    """Notes an importer wrote in capitals (an export without a Resolved column), as warnings."""
    for result in st.session_state.get("upload_results", []):
        for note in result.loud:
            st.warning(markdown_literal(f"{result.file_name}: {note}"))


def column_mapping():
    """For each upload no importer recognised: its columns, which of them Threadline needs,
    and a load with that mapping (remembered for files with the same header)."""
    for number, file in enumerate(st.session_state.get("unmapped_files", [])):
        label = f"Map the columns of {markdown_literal(file.name)}"  # a file name is the visitor's text
        with st.expander(label, expanded=True, key=f"map_expander_{number}"):
            st.caption(
                "Threadline did not recognise this file's header. Pick the column that holds each field; "
                "the mapping is kept for files with the same columns in this session, and the download "
                "below is the same mapping for the command line (--column-map)."
            )
            with st.form(f"map_form_{number}"):
                columns = st.columns(3)
                mapping = {
                    field: columns[index % 3].selectbox(
                        label,
                        (None, *file.header),
                        index=(file.header.index(file.suggested[field]) + 1) if field in file.suggested else 0,
                        format_func=lambda name: "(not in this file)" if name is None else name,
                        key=f"map_{number}_{field}",
                    )
                    for index, (field, label) in enumerate(MAPPING_FIELDS.items())
                }
                load_mapped = st.form_submit_button("Load with this mapping", key=f"map_load_{number}", type="primary")
            chosen = {field: name for field, name in mapping.items() if name}
            st.download_button(
                "Download the mapping (CSV, for --column-map)",
                mapping_file(chosen),
                "column-map.csv",
                "text/csv",
                key=f"map_download_{number}",
                on_click="ignore",
            )
            if load_mapped:
                problems = mapping_problems(chosen, list(file.header))
                for problem in problems:
                    st.error(markdown_literal(problem))
                if not problems:
                    # Remembered for files with the same header, and saved with a workspace.
                    remembered = remember(st.session_state.get("column_mappings", []), file.key, chosen)
                    st.session_state["column_mappings"] = remembered
                    results = load_uploads(
                        context.own_store(),
                        [(file.name, file.data)],
                        settings.timezone,
                        limits=upload_limit,
                        column_maps=by_header(remembered),
                    )
                    kept = [r for r in st.session_state.get("upload_results", []) if r.file_name != file.name]
                    st.session_state["upload_results"] = kept + results
                    st.session_state["uploaded_files"] = st.session_state.get("uploaded_files", 0) + sum(
                        r.added for r in results
                    )
                    st.session_state["unmapped_files"] = [
                        f for f in st.session_state["unmapped_files"] if f.name != file.name or not results[0].added
                    ]
                    st.rerun()


def unowned_items_and_releases():
    """After an upload: what belongs to no team, and ownership rows for it in one step."""
    if context.shared or not st.session_state.get("upload_results"):
        return
    found = unowned(store.con)
    if not (found.items or found.releases):
        return
    st.subheader("Items and releases that belong to no team")
    st.warning(
        f"{found.items:,} work items and {found.releases:,} releases belong to no team and count for none. "
        "Pick a team for each project or repository below and add the ownership rows in one step."
    )
    teams = org_tables(store.con)["teams"]["team"].dropna().tolist()
    if not teams:
        st.info("There are no teams yet: add them in the Organisation tables below (or upload teams.csv) first.")
        show_table(found.sources, "unowned_sources")
        return
    editable = found.sources.assign(team=None)
    with st.form(f"unowned_form_{version}"):
        edited = st.data_editor(
            editable,
            hide_index=True,
            placeholder="",
            disabled=["kind", "value", "items", "releases"],
            key=f"unowned_editor_{version}",
            column_config={**table_headers(editable), "team": cc.SelectboxColumn("Team", options=teams)},
        )
        add = st.form_submit_button("Add these ownership rows", key="unowned_add", type="primary")
    if add:
        chosen = {(row.kind, row.value): row.team for row in edited.itertuples()}
        problems = map_unowned(context.own_store(), chosen, settings.timezone)
        for problem in problems:
            st.error(markdown_literal(str(problem)))
        if not problems:
            st.rerun()


loud_notes()
column_mapping()
unowned_items_and_releases()


def start_fetch():
    """Form callback: start this session's fetch and wipe the token from the session at once."""
    fields = {name: st.session_state.get(f"fetch_{name}", "") for name in ("site", "jql", "email", "repo", "api_url")}
    token, st.session_state["fetch_token"] = st.session_state.get("fetch_token", ""), ""
    try:
        job = job_from_form(st.session_state["fetch_source"].lower(), token, **fields)
        st.session_state["fetch_job"] = job.start(private_addresses_allowed())
    except FetchError as error:
        st.session_state["fetch_error"] = str(error)


with st.expander("Fetch from Jira or GitHub", key="fetch_expander"):
    st.caption(
        "Downloads through the REST APIs into this session, like an upload. The token is used for this "
        "fetch only and is not kept."
    )
    source = st.radio("Source", ["Jira", "GitHub"], horizontal=True, key="fetch_source")
    with st.form("fetch_form"):
        if source == "Jira":
            st.text_input("Jira site", placeholder="https://example.atlassian.net", key="fetch_site")
            st.text_input("JQL", placeholder="project = CHK", key="fetch_jql")
            st.text_input("Email (Jira Cloud; empty with a Server/Data Center token)", key="fetch_email")
        else:
            st.text_input("Repository", placeholder="owner/name", key="fetch_repo")
            st.text_input("API address", "https://api.github.com", key="fetch_api_url")
        st.text_input("API token", type="password", key="fetch_token")
        st.form_submit_button("Fetch", key="fetch_go", on_click=start_fetch)


@st.fragment(run_every=1.0)
def fetch_progress():
    """Redrawn every second while this session's fetch runs; loads its files when it ends."""
    job = st.session_state["fetch_job"]
    state = job.snapshot()
    if state.state == "running":
        st.info(markdown_literal(state.current or "Fetching..."))
        return
    del st.session_state["fetch_job"]
    if state.state == "failed":
        st.session_state["fetch_error"] = state.error
    else:
        files = [(path.name, path.read_bytes()) for path in job.files()]
        # Into the visitor's own copy, parsed under the same limits as an upload (a server can be hostile).
        results = load_uploads(context.own_store(), files, settings.timezone, limits=upload_limit)
        st.session_state["upload_results"] = results
        st.session_state["uploaded_files"] = st.session_state.get("uploaded_files", 0) + sum(r.added for r in results)
    shutil.rmtree(job.folder, ignore_errors=True)
    st.rerun(scope="app")


if "fetch_job" in st.session_state:
    fetch_progress()
if st.session_state.get("fetch_error"):
    st.error(markdown_literal(st.session_state.pop("fetch_error")))

st.header("Data quality")
quality = quality_report(store.con)
for column, (label, value) in zip(st.columns(5), quality_numbers(quality).items()):
    column.metric(label, value)
show_table(quality.files, "quality_files")
st.download_button(
    "Download CSV", csv_download(quality.files), "files.csv", "text/csv", key="quality_files_csv", on_click="ignore"
)
st.subheader("Rejected rows")
show_table(quality.rejects, "quality_rejects")
st.download_button(
    "Download rejected rows (CSV)",
    rejects_csv(quality),
    file_name="rejected_rows.csv",
    mime="text/csv",
    key="download_rejects",
    on_click="ignore",
)
with st.expander("Team attribution and table sizes", key="quality_more"):
    show_table(quality.attribution, "quality_attribution")
    st.download_button(
        "Download CSV",
        csv_download(quality.attribution),
        "attribution.csv",
        "text/csv",
        key="quality_attribution_csv",
        on_click="ignore",
    )
    if len(quality.unknown_teams):
        st.caption("Team names the roster or ownership use that the teams table does not list:")
        show_table(quality.unknown_teams, "quality_unknown_teams")
        st.download_button(
            "Download CSV",
            csv_download(quality.unknown_teams),
            "unknown_teams.csv",
            "text/csv",
            key="unknown_teams_csv",
            on_click="ignore",
        )
    show_table(quality.table_counts, "quality_table_counts")
    st.download_button(
        "Download CSV",
        csv_download(quality.table_counts),
        "table_counts.csv",
        "text/csv",
        key="table_counts_csv",
        on_click="ignore",
    )

st.header("Organisation")
st.caption(
    "Edit in place, add or delete rows, then Apply. A later upload of teams.csv, members.csv or "
    "ownership.csv replaces the table it holds; the file it replaced is listed as set aside under Rejected rows."
)
for column, kind in zip(st.columns(3), ("teams", "members", "ownership")):
    column.download_button(
        f"Template: {kind}.csv",
        template_csv(kind),
        file_name=f"{kind}.csv",
        mime="text/csv",
        key=f"template_{kind}",
        help=HELP[kind],
        on_click="ignore",
    )
frames, text = org_tables(store.con), cc.TextColumn


def date(column: str):
    return cc.DateColumn(header_text(column), format="YYYY-MM-DD")


with st.form("org_form", border=False):
    teams_tab, roster_tab, ownership_tab = st.tabs(["Teams", "Roster", "Ownership"], key="org_tabs")
    edited = {
        "teams": teams_tab.data_editor(
            frames["teams"],
            num_rows="dynamic",
            hide_index=True,
            placeholder="",
            key=f"org_teams_{version}",
            column_config={
                **table_headers(frames["teams"]),
                "team": text(required=True),
                "reorg_date": date("reorg_date"),
            },
        ),
        "members": roster_tab.data_editor(
            frames["members"],
            num_rows="dynamic",
            hide_index=True,
            placeholder="",
            key=f"org_members_{version}",
            column_config={"start_date": date("start_date"), "end_date": date("end_date")},
        ),
        "ownership": ownership_tab.data_editor(
            frames["ownership"],
            num_rows="dynamic",
            hide_index=True,
            placeholder="",
            key=f"org_ownership_{version}",
            column_config={
                "kind": cc.SelectboxColumn(options=OWNERSHIP_KINDS, required=True),
                "start_date": date("start_date"),
                "end_date": date("end_date"),
            },
        ),
    }
    apply = st.form_submit_button("Apply", key="org_apply", type="primary")
for column, (table, frame) in zip(st.columns(3), frames.items()):  # as stored (a download cannot sit in a form)
    column.download_button(
        f"Download {table} (CSV)",
        csv_download(frame),
        f"{table}.csv",
        "text/csv",
        key=f"org_{table}_csv",
        on_click="ignore",
    )
if apply:
    store = context.own_store()  # edits go into the visitor's own copy, never the shared base
    problems = apply_org(store, edited, settings.timezone)
    for problem in problems:
        st.error(markdown_literal(str(problem)))
    if not problems:
        st.success("Organisation saved; every item and release was given its team again.")

st.header("Settings")
st.info(
    "Window, transition, tolerance and time zone are in the sidebar and kept in the page's link, so a "
    "shared link opens the same view. The settings below are kept for this session and in the workspace file."
)
choices = settings_choices(store.con, settings)
with st.form("settings_form"):
    link_types = st.multiselect(
        "Blocking link types",
        choices["link_types"],
        default=list(settings.blocking_link_types),
        accept_new_options=True,
        key=f"set_link_types_{version}",
        help="Links of these types count as one item waiting on another.",
    )
    blocked_statuses = st.multiselect(
        "Blocked statuses (none chosen: only links and flags count)",
        choices["statuses"],
        default=list(settings.blocked_statuses),
        accept_new_options=True,
        key=f"set_blocked_statuses_{version}",
        help="Time an item spends in these statuses counts as waiting on its blockers.",
    )
    pattern = st.text_input(
        "Release tag pattern (regular expression, whole tag)",
        settings.release_tag_pattern,
        key=f"set_tag_pattern_{version}",
        help="Git tags that count as releases.",
    )
    issue_types = st.multiselect(
        "Commitment issue types (none chosen: every type)",
        choices["issue_types"],
        default=list(settings.commitment_issue_types),
        key=f"set_issue_types_{version}",
    )
    prereleases = st.checkbox(
        "Count GitHub prereleases as releases", settings.include_prereleases, key=f"set_prereleases_{version}"
    )
    comparison = st.date_input(
        "Comparison date for teams without a reorg (empty: the earliest reorg date)",
        settings.comparison_date,
        min_value=dt.date(2000, 1, 1),
        max_value=dt.date(2100, 1, 1),
        format="YYYY-MM-DD",
        key=f"set_comparison_{version}",
    )
    left, middle, right = st.columns(3)
    min_items = left.number_input(
        "Minimum items on each side", 1, 1000, settings.min_items, key=f"set_min_items_{version}"
    )
    min_releases = middle.number_input(
        "Minimum releases on each side", 1, 1000, settings.min_releases, key=f"set_min_releases_{version}"
    )
    min_months = right.number_input(
        "Minimum months with data on each side",
        *MIN_MONTHS_RANGE,
        settings.min_months,
        key=f"set_min_months_{version}",
        help="Fewer calendar months holding any of a metric's events in either window: insufficient data.",
    )
    roster_names = st.checkbox(
        "Show people's names on hover in the who-moved-where diagram (Overview)",
        settings.show_roster_names,
        key=f"set_roster_names_{version}",
        help="Off: the diagram's hover says how many people moved, never who.",
    )
    save = st.form_submit_button("Save settings", key="settings_save")
if save:
    new_settings, problems = edit_settings(
        settings,
        store.con,
        blocking_link_types=link_types,
        blocked_statuses=blocked_statuses,
        release_tag_pattern=pattern,
        commitment_issue_types=issue_types,
        include_prereleases=prereleases,
        comparison_date=comparison,
        min_items=min_items,
        min_releases=min_releases,
        min_months=min_months,
        show_roster_names=roster_names,
    )
    for problem in problems:
        st.error(markdown_literal(problem))
    if new_settings:
        st.session_state["analysis_settings"] = settings = new_settings  # the download below saves them
        st.success("Settings saved for this session.")

st.header("Workspace file")
st.caption(
    "Every table (normalised data, the organisation, the load log and rejected rows) and the settings, "
    "as one .zip. Upload it above later to carry on where you left off."
)


# Read now, while the script runs: the download below is built on another thread.
remembered_mappings, remembered_date_order = (
    st.session_state.get("column_mappings", []),
    st.session_state.get("date_order"),
)


def workspace_bytes(settings=settings, column_mappings=remembered_mappings, date_order=remembered_date_order):
    """Built when the button is clicked, on Streamlit's thread: a cursor of its own."""
    cursor = store.con.cursor()
    try:
        return export_workspace(cursor, settings, column_mappings, date_order)
    finally:
        cursor.close()


st.download_button(
    "Download the workspace",
    workspace_bytes,
    mime="application/zip",
    key="download_workspace",
    file_name=f"threadline-workspace-{dt.date.today().isoformat()}.zip",
    on_click="ignore",
)


# ---- shared workspace: saved server-side under an unguessable id, opened through its link -------


def shared_workspace_section():
    """Save this session's workspace for a link, update or delete the one open here. Updating
    needs the workspace's edit key (this session saved it, or opened its edit link); whoever
    holds the link may delete it, and anyone may save their own changes as a new one."""
    st.header("Shared workspace")
    st.caption(
        "Save your uploads, organisation edits and settings on this server and share the link: whoever "
        "opens it sees this workspace (on any page, with the view in the link). Their own changes stay in "
        "their session until they save them as a new workspace. A workspace expires "
        f"{workspace_folder.days:g} days after its last save."
    )
    workspace_id = st.session_state.get("workspace_id")
    keys = edit_keys()
    left, middle, right = st.columns(3)
    left.button("Save as a new shared workspace", key="workspace_save", on_click=save_shared_workspace, args=(None,))
    if workspace_id in keys:
        middle.button(
            "Update this workspace", key="workspace_update", on_click=save_shared_workspace, args=(workspace_id,)
        )
    if workspace_id:
        right.button("Delete this workspace", key="workspace_delete", on_click=delete_shared_workspace)
    message = st.session_state.pop("workspace_message", None)
    if message:
        kind, text = message
        (st.success if kind == "success" else st.error)(markdown_literal(text))
    if workspace_id:
        st.caption(f"Link to share (the address bar holds it too). {expiry_text(workspace_id)}")
        st.code(workspace_link(workspace_id), language=None)
    if workspace_id in keys:
        st.caption(
            "Your edit link: keep it to yourself. It opens this workspace with the right to update it, "
            "from any browser, also after this tab is closed."
        )
        st.code(workspace_link(workspace_id, keys[workspace_id]), language=None)


def save_shared_workspace(workspace_id):
    """Button callback: a new workspace (workspace_id None) or the open one, updated."""
    own = context.own_store() if context.store.read_only else context.store  # the base is never written
    keys = edit_keys()
    cursor = own.con.cursor()
    try:
        data = shared_workspace_bytes(
            cursor,
            settings,
            shared_base() if saved_on_base() else None,
            st.session_state.get("column_mappings", []),
            st.session_state.get("date_order"),
        )
        if workspace_id is None:
            saved = st.session_state.get("workspaces_saved", 0)
            workspace_id, edit_key = workspace_folder.create(data, None if sign_in_required() else saved)
            keys[workspace_id] = edit_key
            st.session_state["workspaces_saved"] = saved + 1
            text = "Saved as a new shared workspace: anyone with the link below sees it."
        else:
            workspace_folder.update(workspace_id, data, keys[workspace_id])
            text = "Workspace updated: the same link now opens what you see."
    except (QuotaExceeded, WorkspaceGone, NotAllowed, WorkspaceFileError) as error:
        st.session_state["workspace_message"] = ("error", str(error))
        return
    except OSError as error:  # the host's folder: not writable, disk full
        st.session_state["workspace_message"] = ("error", f"The workspace could not be saved ({error.strerror}).")
        return
    finally:
        cursor.close()
    # What the session shows is now the saved workspace, no longer uploads of this session only.
    st.session_state.update(
        workspace_id=workspace_id,
        workspace_notes=[],
        workspace_message=("success", text),
        data_source="shared workspace",
        uploaded_files=0,
    )
    st.query_params[WORKSPACE_PARAM] = workspace_id


def delete_shared_workspace():
    """Button callback: the link opens nothing from now on; what this session shows stays."""
    workspace_id = st.session_state.pop("workspace_id")
    try:
        workspace_folder.delete(workspace_id)
        text = ("success", "Workspace deleted: its link now opens nothing. Your session keeps what it shows.")
    except WorkspaceGone as error:
        text = ("error", str(error))
    except OSError as error:
        text = ("error", f"The workspace could not be deleted ({error.strerror}).")
    edit_keys().pop(workspace_id, None)
    if st.session_state.get("data_source") == "shared workspace":
        st.session_state["data_source"] = "a deleted workspace, kept in this session only"
    st.session_state.update(workspace_notes=[], workspace_message=text)
    st.query_params.pop(WORKSPACE_PARAM, None)


def expiry_text(workspace_id: str) -> str:
    try:
        saved = dt.datetime.fromtimestamp(workspace_folder.saved_at(workspace_id), dt.UTC)
    except WorkspaceGone:
        return "It has expired or been deleted since you opened it."
    expires = saved + dt.timedelta(days=workspace_folder.days)
    return f"Last saved {saved:%Y-%m-%d %H:%M} UTC; it expires on {expires:%Y-%m-%d} unless saved again."


def workspace_link(workspace_id: str, edit_key: str | None = None) -> str:
    """This page's address with the view in it and the workspace's id (and its edit key)."""
    params = {
        key: value for key, value in st.query_params.to_dict().items() if key not in (WORKSPACE_PARAM, EDIT_PARAM)
    }
    params[WORKSPACE_PARAM] = workspace_id
    if edit_key:
        params[EDIT_PARAM] = edit_key
    return f"{st.context.url or ''}?{urllib.parse.urlencode(params)}"


workspace_folder = WorkspaceFolder.from_environment()
shared_workspace_section()
