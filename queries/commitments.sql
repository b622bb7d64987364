-- Delivered commitments of each team in each report window (SPEC metric 2): items resolved in
-- the window that have a committed date. The commitment is the first due date ever set when a
-- changelog shows it, else the final due date, else the planned date of the item's earliest
-- fix version. Slip = resolution day - committed day (late positive, early negative), in
-- $timezone. $issue_types narrows to some issue types (empty list: all).
-- Key: item_key.
with resolved_items as (
    select
        i.item_key,
        i.item_type,
        i.project_key,
        i.fix_versions,
        i.first_due_date,
        i.due_date,
        i.due_date_changes,
        t.team,
        cast(timezone($timezone, i.resolved_at) as date) as resolved_day
    from work_items i
    join work_item_teams t on t.item_key = i.item_key
    where i.resolved_at is not null
        and t.team is not null
        and (len($issue_types) = 0 or list_contains($issue_types, i.item_type))
),

windowed as (
    select i.*, w.period
    from resolved_items i
    join report_windows w
        on w.team = i.team
        and i.resolved_day >= w.start_date
        and i.resolved_day < w.end_date
),

fix_version_dates as (
    select w.item_key, min(r.release_date) as planned_date
    from windowed w
    cross join unnest(w.fix_versions) as v(version_name)
    join releases r
        on r.source = 'jira_version'
        and r.project_key = w.project_key
        and r.name = v.version_name
    where r.release_date is not null
    group by w.item_key
),

committed as (
    select
        w.team,
        w.period,
        w.item_key,
        w.item_type,
        w.resolved_day,
        coalesce(w.first_due_date, w.due_date, f.planned_date) as committed_date,
        case
            when w.first_due_date is not null then 'first due date'
            when w.due_date is not null then 'final due date'
            when f.planned_date is not null then 'fix version date'
        end as commitment_source,
        w.due_date_changes as replans
    from windowed w
    left join fix_version_dates f on f.item_key = w.item_key
),

final as (
    select
        *,
        date_diff('day', committed_date, resolved_day) as slip_days
    from committed
    where committed_date is not null
)

select * from final order by team, period, item_key
