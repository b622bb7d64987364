-- Supporting measures per team and report window: items resolved (throughput), median cycle
-- time (first status change to resolution, where a changelog shows it), and epic durations
-- (creation to resolution of resolved epics). Days are counted in $timezone.
-- Key: team, period.
with first_moves as (
    select item_key, min(changed_at) as started_at
    from status_changes
    group by item_key
),

windowed as (
    select
        w.team,
        w.period,
        i.item_key,
        i.item_type,
        date_diff('second', f.started_at, i.resolved_at) / 86400.0 as cycle_days,
        date_diff('second', i.created_at, i.resolved_at) / 86400.0 as lead_days
    from work_items i
    join work_item_teams t on t.item_key = i.item_key
    join report_windows w
        on w.team = t.team
        and cast(timezone($timezone, i.resolved_at) as date) >= w.start_date
        and cast(timezone($timezone, i.resolved_at) as date) < w.end_date
    left join first_moves f on f.item_key = i.item_key and f.started_at <= i.resolved_at
    where i.resolved_at is not null
),

final as (
    select
        team,
        period,
        count(*) as items_resolved,
        count(cycle_days) as items_with_cycle_time,
        median(cycle_days) as median_cycle_days,
        count(*) filter (where lower(item_type) = 'epic') as epics_resolved,
        median(lead_days) filter (where lower(item_type) = 'epic') as median_epic_days
    from windowed
    group by team, period
)

select * from final order by team, period
