-- Where the work items and releases that belong to no team come from: Jira projects (items and
-- fix versions) and repositories (GitHub releases, deployments, git tags), with how many of
-- each. An ownership row of that kind and value gives them a team. Items with no project and
-- releases with neither repository nor project are left out (no row could own them; the
-- data-quality report counts every item without a team). Key: kind, value.
with items as (
    select 'jira_project' as kind, i.project_key as value, count(*) as items, 0 as releases
    from work_item_teams t
    join work_items i on i.item_key = t.item_key
    where t.team is null and i.project_key is not null
    group by i.project_key
),

releases as (
    select
        case when r.source = 'jira_version' then 'jira_project' else 'github_repo' end as kind,
        coalesce(r.repo, r.project_key) as value,
        0 as items,
        count(*) as releases
    from release_teams t
    join releases r on r.release_id = t.release_id
    where t.team is null and coalesce(r.repo, r.project_key) is not null
    group by all
),

final as (
    select kind, value, cast(sum(items) as bigint) as items, cast(sum(releases) as bigint) as releases
    from (select * from items union all select * from releases)
    group by kind, value
)

select * from final order by releases + items desc, kind, value
