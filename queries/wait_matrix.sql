-- Who waits on whom: for each team and report window, per blocking team, the items resolved in
-- the window that waited on it and their total days blocked by it (overlaps of several
-- blockers from the same team merged). Reads table blocked_intervals.
-- Key: team, period, blocker_team.
with ordered as (
    select
        blocked_key,
        blocked_team,
        blocker_team,
        resolved_day,
        started_at,
        ended_at,
        max(ended_at) over (
            partition by blocked_key, blocker_team order by started_at, ended_at
            rows between unbounded preceding and 1 preceding
        ) as previous_end
    from blocked_intervals
),

islands as (
    select
        *,
        sum(case when previous_end is null or started_at > previous_end then 1 else 0 end) over (
            partition by blocked_key, blocker_team order by started_at, ended_at rows unbounded preceding
        ) as island
    from ordered
),

per_item as (
    select
        blocked_key,
        blocked_team,
        blocker_team,
        resolved_day,
        sum(date_diff('second', started_at, ended_at)) as wait_seconds
    from (
        select blocked_key, blocked_team, blocker_team, resolved_day,
               min(started_at) as started_at, max(ended_at) as ended_at
        from islands
        group by blocked_key, blocked_team, blocker_team, resolved_day, island
    ) as merged
    group by blocked_key, blocked_team, blocker_team, resolved_day
),

final as (
    select
        w.team,
        w.period,
        r.blocker_team,
        count(*) as items_waiting,
        -- Whole seconds are summed, so the total does not depend on the order of a parallel sum.
        sum(r.wait_seconds) / 86400.0 as wait_days
    from per_item r
    join report_windows w
        on w.team = r.blocked_team
        and r.resolved_day >= w.start_date
        and r.resolved_day < w.end_date
    group by w.team, w.period, r.blocker_team
)

select * from final order by team, period, blocker_team
