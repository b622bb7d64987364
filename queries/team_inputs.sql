-- What each team's metrics can be computed from, over the whole data (not a window): the facts
-- behind a metric's no_data_reason (a team with n = 0 says which input is missing).
-- releases: releases attributed to the team (counted or not); items_resolved: its resolved
-- items; resolved_with_commitment: those with a committed date (due date or fix version date);
-- blocked_stretches: stretches its items spent blocked by another team's items;
-- done_undelivered: items in the Done category with neither a resolution date nor a known move
-- to Done (the category as stored: "Done" from JSON exports and English CSVs).
-- Key: team.
with item_counts as (
    select
        t.team,
        count(*) filter (where t.resolved_day is not null) as items_resolved,
        count(*) filter (where t.resolved_day is not null and t.committed_date is not null) as resolved_with_commitment,
        count(*) filter (where t.resolved_day is null and lower(i.status_category) = 'done') as done_undelivered
    from work_item_teams t
    join work_items i on i.item_key = t.item_key
    where t.team is not null
    group by t.team
),

release_counts as (
    select team, count(*) as releases
    from release_teams
    where team is not null
    group by team
),

blocked as (
    select blocked_team as team, count(*) as blocked_stretches
    from blocked_intervals
    where blocked_team is not null
    group by blocked_team
),

final as (
    select
        t.team,
        coalesce(r.releases, 0) as releases,
        coalesce(i.items_resolved, 0) as items_resolved,
        coalesce(i.resolved_with_commitment, 0) as resolved_with_commitment,
        coalesce(b.blocked_stretches, 0) as blocked_stretches,
        coalesce(i.done_undelivered, 0) as done_undelivered
    from teams t
    left join item_counts i on i.team = t.team
    left join release_counts r on r.team = t.team
    left join blocked b on b.team = t.team
)

select * from final order by team
