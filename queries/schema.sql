-- The canonical model. Times are UTC TIMESTAMPTZ, calendar dates DATE.
-- Every importer produces rows for these tables (see analysis/importers/base.py).

create table if not exists work_items (
    item_key          varchar primary key,   -- Jira issue key, e.g. CHK-12
    item_id           varchar,               -- Jira numeric id
    project_key       varchar,
    title             varchar,
    item_type         varchar,
    status            varchar,
    status_category   varchar,               -- To Do / In Progress / Done when the export says
    priority          varchar,
    resolution        varchar,
    assignee          varchar,
    reporter          varchar,
    team_field        varchar,               -- value of Jira's Team field
    components        varchar[],
    labels            varchar[],
    fix_versions      varchar[],
    sprints           varchar[],
    parent_key        varchar,               -- parent or epic link
    story_points      double,
    created_at        timestamptz not null,
    updated_at        timestamptz,
    resolved_at       timestamptz,
    due_date          date,                  -- final due date as exported
    first_due_date    date,                  -- first due date ever set (changelog only)
    due_date_changes  integer,               -- re-plans seen in the changelog; null without one
    is_flagged        boolean,
    has_changelog     boolean not null default false,
    url               varchar,
    source_file       varchar not null,
    -- true: in the Done status category without a resolution date, so resolved_at is the last
    -- move to Done (changelog or Status Category Changed); false or null: resolved_at as exported
    delivered_by_move_to_done boolean
);
-- A store file written before the column existed gets it (empty: resolution dates as exported).
alter table work_items add column if not exists delivered_by_move_to_done boolean;

-- Status transitions from a changelog.
create table if not exists status_changes (
    item_key     varchar not null,
    change_id    varchar not null,           -- changelog history id + item position
    changed_at   timestamptz not null,
    from_status  varchar,
    to_status    varchar,
    source_file  varchar not null,
    primary key (item_key, change_id)
);

-- Other changelog fields the metrics need: duedate, Link, Flagged, Fix Version.
create table if not exists field_changes (
    item_key     varchar not null,
    change_id    varchar not null,
    changed_at   timestamptz not null,
    field        varchar not null,
    from_value   varchar,                    -- machine value (issue key, ISO date)
    from_string  varchar,                    -- display text ("This issue is blocked by X-1")
    to_value     varchar,
    to_string    varchar,
    source_file  varchar not null,
    primary key (item_key, change_id)
);

-- Current issue links. direction 'inward' reads "item_key <inward phrase> linked_key",
-- e.g. for Blocks: item_key is blocked by linked_key.
create table if not exists links (
    item_key     varchar not null,
    link_type    varchar not null,
    direction    varchar not null check (direction in ('inward', 'outward')),
    linked_key   varchar not null,
    source_file  varchar not null,
    primary key (item_key, link_type, direction, linked_key)
);

-- GitHub releases, git tags, Jira versions, GitHub deployments.
create table if not exists releases (
    release_id     varchar primary key,      -- e.g. github:owner/repo:v1.2, jira:PROJ:1.2
    source         varchar not null check (source in ('github_release', 'git_tag', 'jira_version', 'github_deployment')),
    repo           varchar,                  -- owner/name for GitHub and tags
    project_key    varchar,                  -- Jira project for versions
    name           varchar,
    tag_name       varchar,
    created_at     timestamptz,
    released_at    timestamptz,              -- published / tagged / released
    release_date   date,                     -- Jira: planned or actual release date
    is_draft       boolean not null default false,
    is_prerelease  boolean not null default false,
    is_released    boolean not null default true,
    url            varchar,
    source_file    varchar not null
);

create table if not exists pull_requests (
    pr_id        varchar primary key,        -- owner/repo#number
    repo         varchar not null,
    number       integer not null,
    title        varchar,
    author       varchar,
    state        varchar,
    is_draft     boolean,
    created_at   timestamptz not null,
    closed_at    timestamptz,
    merged_at    timestamptz,
    base_branch  varchar,
    url          varchar,
    source_file  varchar not null
);

create table if not exists reviews (
    review_id     varchar primary key,
    pr_id         varchar,                   -- owner/repo#number
    reviewer      varchar,
    state         varchar,
    submitted_at  timestamptz,
    source_file   varchar not null
);

create table if not exists teams (
    team         varchar primary key,
    reorg_date   date,                       -- null: a comparison team
    model        varchar,
    leader       varchar,
    source_file  varchar not null
);

-- Dated roster. start_date null = from the beginning; end_date null = still there;
-- end_date is the last day in the team.
create table if not exists members (
    person       varchar not null,
    team         varchar not null,
    start_date   date,
    end_date     date,
    source_file  varchar not null
);

create table if not exists ownership (
    kind         varchar not null check (kind in ('jira_project', 'jira_component', 'jira_team_field', 'github_repo')),
    value        varchar not null,
    team         varchar not null,
    start_date   date,
    end_date     date,
    source_file  varchar not null
);

create sequence if not exists load_id_seq;

create table if not exists load_log (
    load_id        integer primary key,
    file_name      varchar not null,
    file_sha256    varchar,
    kind           varchar,
    loaded_at      timestamptz not null,
    rows_read      integer not null,
    rows_loaded    integer not null,
    rows_rejected  integer not null,
    status         varchar not null check (status in ('loaded', 'partial', 'refused', 'failed')),
    message        varchar
);

create sequence if not exists reject_id_seq;

create table if not exists rejected_rows (
    reject_id  integer primary key default nextval('reject_id_seq'),
    load_id    integer not null,
    file_name  varchar not null,
    row_number integer,                      -- 1-based data row (header excluded); null = whole file
    field      varchar,
    reason     varchar not null
);

-- Team of each work item and release, rebuilt after every load (and time-zone change) from
-- queries/work_item_teams.sql and queries/release_teams.sql. Each item also carries the facts
-- every metric reads, computed once here instead of on every report: its days in the
-- attribution's time zone and its commitment (SPEC metric 2).
create table if not exists work_item_teams (
    item_key           varchar primary key,
    team               varchar,
    attributed_by      varchar not null,    -- team_field / component / project / assignee / none
    item_type          varchar,
    created_at         timestamptz not null,
    started_at         timestamptz,         -- first status change in the changelog
    resolved_at        timestamptz,
    resolved_day       date,                -- in attribution_state.timezone
    committed_date     date,                -- first due date, else final, else fix version date
    commitment_source  varchar,             -- which of the three committed_date is
    replans            integer,             -- due-date changes in the changelog; null without one
    moved_to_done      boolean not null     -- delivered by a move to Done without a resolution date
);

create table if not exists release_teams (
    release_id  varchar primary key,
    team        varchar
);

-- The time zone the two tables above were computed in (days start at midnight there).
create table if not exists attribution_state (
    timezone  varchar not null
);

-- The blocking settings blocked_intervals was built with (a JSON object of its parameters).
-- blocked_intervals itself is created from queries/blocked_intervals.sql by the store.
create table if not exists blocked_intervals_state (
    built_with  varchar not null
);
