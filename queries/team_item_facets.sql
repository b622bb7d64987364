-- Key: facet, value.
-- The issue types and labels of $team's items resolved in its before window
-- [$before_start, $before_end) or after window [$after_start, $after_end) (the items of
-- team_items.sql), with how many items carry each: the choices of the item table's filters.
with windowed as (
    select i.item_type, i.labels
    from work_item_teams t
    join work_items i on i.item_key = t.item_key
    where t.team = $team
        and t.resolved_day is not null
        and (
            (t.resolved_day >= $before_start and t.resolved_day < $before_end)
            or (t.resolved_day >= $after_start and t.resolved_day < $after_end)
        )
),

facets as (
    select 'type' as facet, item_type as value from windowed where item_type is not null
    union all
    select 'label' as facet, unnest(labels) as value from windowed where labels is not null
)

select facet, value, count(*) as items
from facets
where value is not null
group by facet, value
order by facet, value
