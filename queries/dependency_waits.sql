-- Days each item resolved in a report window spent blocked by other teams (SPEC metric 3):
-- the union of its blocked stretches, so two blockers at once count once (table
-- blocked_intervals, from blocked_intervals.sql, holds each stretch's share of that union).
-- Only items with a wait appear. Rows come in no particular order: sorting 100,000s of them
-- here would cost more than the whole query, and the statistics do not depend on it.
-- Key: team, period, item_key.
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
    b.blocked_key as item_key,
    any_value(b.resolved_day) as resolved_day,
    sum(b.item_added_us) / 86400e6 as wait_days
from blocked_intervals b
join report_windows w
    on w.team = b.blocked_team
    and b.resolved_day >= w.start_date
    and b.resolved_day < w.end_date
group by w.team, w.period, b.blocked_key
