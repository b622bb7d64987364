-- Team names used by the roster, ownership or Jira team fields that teams.csv does not list.
-- Each is a likely typo or a dissolved team; its rows are kept. Key: source, team.
with used as (
    select 'members.csv' as source, team from members
    union all
    select 'ownership.csv', team from ownership
),

final as (
    select source, team, count(*) as rows_using_it
    from used
    where team not in (select team from teams)
    group by source, team
)

select * from final order by source, team
