-- Days each item resolved in a report window spent blocked by other teams (SPEC metric 3):
-- the union of its blocked stretches (table blocked_intervals, from blocked_intervals.sql),
-- so two blockers at once count once. Only items with a wait appear.
-- Key: item_key.
with ordered as (
    select
        blocked_key,
        blocked_team,
        resolved_day,
        started_at,
        ended_at,
        max(ended_at) over (
            partition by blocked_key order by started_at, ended_at
            rows between unbounded preceding and 1 preceding
        ) as previous_end
    from blocked_intervals
),

islands as (
    select
        *,
        sum(case when previous_end is null or started_at > previous_end then 1 else 0 end) over (
            partition by blocked_key order by started_at, ended_at rows unbounded preceding
        ) as island
    from ordered
),

merged as (
    select blocked_key, blocked_team, resolved_day, min(started_at) as started_at, max(ended_at) as ended_at
    from islands
    group by blocked_key, blocked_team, resolved_day, island
),

per_item as (
    select
        blocked_key,
        blocked_team,
        resolved_day,
        sum(date_diff('second', started_at, ended_at)) / 86400.0 as wait_days
    from merged
    group by blocked_key, blocked_team, resolved_day
),

final as (
    select w.team, w.period, p.blocked_key as item_key, p.resolved_day, p.wait_days
    from per_item p
    join report_windows w
        on w.team = p.blocked_team
        and p.resolved_day >= w.start_date
        and p.resolved_day < w.end_date
)

select * from final order by team, period, item_key
