-- How work items got their team, and how many got none. Key: attributed_by.
select
    attributed_by,
    count(*) as items,
    count(*) * 1.0 / sum(count(*)) over () as share
from work_item_teams
group by attributed_by
order by items desc, attributed_by
