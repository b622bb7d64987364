-- Supporting measures per team and report window: items resolved (throughput), median cycle
-- time (first status change to resolution, where a changelog shows it), and epic durations
-- (creation to resolution of resolved epics), and how many of the items resolved were delivered
-- by a move to Done without a resolution date (work_item_teams.moved_to_done). Days are in the attribution's time zone.
-- Durations use epoch_us: date_diff on timestamps with time zone goes through the calendar, slowly.
-- Key: team, period.
with report_windows as (
    -- The windows come as one bound parameter (a list of structs): a report never writes.
    select unnest(
        cast($windows as struct(team varchar, period varchar, start_date date, end_date date)[]),
        recursive := true
    )
),

resolved as (
    select item_key, item_type, created_at, started_at, resolved_at, team, resolved_day, moved_to_done
    from work_item_teams
    where resolved_day is not null and team is not null
),

windowed as (
    select
        w.team,
        w.period,
        r.item_key,
        r.item_type,
        r.moved_to_done,
        case when r.started_at <= r.resolved_at
            then (epoch_us(r.resolved_at) - epoch_us(r.started_at)) / 86400e6 end as cycle_days,
        (epoch_us(r.resolved_at) - epoch_us(r.created_at)) / 86400e6 as lead_days
    from resolved r
    join report_windows w
        on w.team = r.team
        and r.resolved_day >= w.start_date
        and r.resolved_day < w.end_date
),

final as (
    select
        team,
        period,
        count(*) as items_resolved,
        count(cycle_days) as items_with_cycle_time,
        median(cycle_days) as median_cycle_days,
        count(*) filter (where moved_to_done) as items_moved_to_done,
        count(*) filter (where lower(item_type) = 'epic') as epics_resolved,
        median(lead_days) filter (where lower(item_type) = 'epic') as median_epic_days
    from windowed
    group by team, period
)

select * from final order by team, period
