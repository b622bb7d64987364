-- Delivered commitments of each team in each report window (SPEC metric 2): items resolved in
-- the window that have a committed date (chosen per item in work_item_teams.sql: the first due
-- date, else the final one, else the fix version's planned date). Slip = resolution day -
-- committed day (late positive, early negative), in the attribution's time zone.
-- $issue_types narrows to some issue types (empty list: all).
-- Rows come in no particular order: sorting 100,000s of them here would cost more than the
-- whole query, and the statistics do not depend on it.
-- Key: team, period, item_key.
with report_windows as (
    -- The windows come as one bound parameter (a list of structs): a report never writes.
    select unnest(
        cast($windows as struct(team varchar, period varchar, start_date date, end_date date)[]),
        recursive := true
    )
),

committed as (
    select item_key, team, resolved_day, committed_date, commitment_source, replans
    from work_item_teams
    where committed_date is not null
        and resolved_day is not null
        and team is not null
        and (len($issue_types) = 0 or list_contains($issue_types, item_type))
),

final as (
    select
        w.team,
        w.period,
        c.item_key,
        c.resolved_day,
        c.committed_date,
        c.commitment_source,
        c.replans,
        date_diff('day', c.committed_date, c.resolved_day) as slip_days
    from committed c
    join report_windows w
        on w.team = c.team
        and c.resolved_day >= w.start_date
        and c.resolved_day < w.end_date
)

select * from final
