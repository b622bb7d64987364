-- Team names used by the roster, ownership or Jira team fields that teams.csv does not list.
-- Each is a likely typo or a dissolved team; its rows are kept. A team whose every row here has
-- an end_date is taken for a former team (the demo's Infra, dissolved by the reorg): open_rows
-- counts the rows still current, which a former team has none of. Key: source, team.
with used as (
    select 'members.csv' as source, team, source_file, end_date from members
    union all
    select 'ownership.csv', team, source_file, end_date from ownership
),

final as (
    select
        source,
        team,
        count(*) as rows_using_it,
        count(*) filter (where end_date is null) as open_rows,
        string_agg(distinct source_file, ', ' order by source_file) as source_file
    from used
    where team not in (select team from teams)
    group by source, team
)

select * from final order by source, team
