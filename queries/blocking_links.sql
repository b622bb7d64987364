-- The blocking links behind one cell of wait_matrix.sql: for each window of $windows, the
-- stretches in which an item of the window's team, resolved in the window, was blocked by an
-- item of $blocker_team, each with its share of the team's wait (team_added_us: overlapping
-- blockers of the same team count once, as in wait_matrix.sql, so the stretches' wait days add
-- up to the cell's). Titles and links of both items come from work_items.
-- Key: period, blocked_key, blocker_key, started_at, ended_at.
with report_windows as (
    -- The windows come as one bound parameter (a list of structs): a report never writes.
    select unnest(
        cast($windows as struct(team varchar, period varchar, start_date date, end_date date)[]),
        recursive := true
    )
)

select
    w.team,
    w.period,
    b.blocked_key,
    blocked.title as blocked_title,
    blocked.url as blocked_url,
    b.blocker_key,
    b.blocker_team,
    blocker.title as blocker_title,
    blocker.url as blocker_url,
    b.started_at,
    b.ended_at,
    b.resolved_day,
    b.team_added_us / 86400e6 as wait_days
from blocked_intervals b
join report_windows w
    on w.team = b.blocked_team
    and b.resolved_day >= w.start_date
    and b.resolved_day < w.end_date
left join work_items blocked on blocked.item_key = b.blocked_key
left join work_items blocker on blocker.item_key = b.blocker_key
where b.blocker_team = $blocker_team
order by w.period, b.blocked_key, b.started_at, b.blocker_key, b.ended_at
