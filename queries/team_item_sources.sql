-- Key: attributed_by.
-- How the work items of $team got their team (team field, component, project, assignee) and
-- how many of them came with a changelog (first due dates, re-plans and link history need one).
select
    t.attributed_by,
    count(*) as items,
    count(*) filter (where i.has_changelog) as items_with_changelog
from work_item_teams t
join work_items i on i.item_key = t.item_key
where t.team = $team
group by t.attributed_by
order by items desc, t.attributed_by
