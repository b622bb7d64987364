-- Team of every release: the team that owned its repository (GitHub releases, deployments,
-- git tags) or its Jira project (fix versions) on the release date (in $timezone).
-- Where several ownership rows match, the one that started last wins.
-- Key: release_id. Releases no row attributes keep team null.
with dated_releases as (
    select
        release_id,
        case when source = 'jira_version' then 'jira_project' else 'github_repo' end as owner_kind,
        coalesce(repo, project_key) as owner_value,
        coalesce(cast(timezone($timezone, released_at) as date), release_date,
                 cast(timezone($timezone, created_at) as date)) as release_day
    from releases
),

ranked as (
    select
        r.release_id,
        o.team,
        row_number() over (
            partition by r.release_id
            order by o.start_date desc nulls last, o.team
        ) as preference
    from dated_releases r
    join ownership o
        on o.kind = r.owner_kind
        and o.value = r.owner_value
        and (o.start_date is null or o.start_date <= r.release_day)
        and (o.end_date is null or r.release_day <= o.end_date)
),

final as (
    select r.release_id, k.team
    from dated_releases r
    left join ranked k on k.release_id = r.release_id and k.preference = 1
)

select * from final
