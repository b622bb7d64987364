-- Who waits on whom: for each team and report window, per blocking team, the items resolved in
-- the window that waited on it and their total days blocked by it (overlaps of several
-- blockers from the same team count once: table blocked_intervals holds each stretch's share).
-- Key: team, period, blocker_team.
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
    b.blocker_team,
    count(distinct b.blocked_key) as items_waiting,
    -- Whole microseconds are summed, so the total does not depend on the order of a parallel sum.
    sum(b.team_added_us) / 86400e6 as wait_days
from blocked_intervals b
join report_windows w
    on w.team = b.blocked_team
    and b.resolved_day >= w.start_date
    and b.resolved_day < w.end_date
group by w.team, w.period, b.blocker_team
order by w.team, w.period, b.blocker_team
