-- Key: release_id.
-- Every release attributed to $team (GitHub releases, tags, Jira versions, deployments), counted
-- or not, with its day in $timezone (release date for Jira versions, as counted_releases.sql;
-- a release never published falls on the day it was created).
-- $search keeps releases whose name, tag, source or repository/project contain it (any case;
-- '' keeps all); at most $row_limit rows, newest first, each carrying how many matched in all.
with team_releases as (
    select
        r.release_id,
        r.source,
        coalesce(r.repo, r.project_key) as repository,
        r.name,
        r.tag_name,
        r.is_draft,
        r.is_prerelease,
        r.is_released,
        r.url,
        case
            when r.source = 'jira_version' then r.release_date
            else cast(timezone($timezone, coalesce(r.released_at, r.created_at)) as date)
        end as release_day
    from releases r
    join release_teams t on t.release_id = r.release_id
    where t.team = $team
),

matching as (
    select *
    from team_releases
    where $search = ''
        or position(lower($search) in lower(concat_ws(' ', name, tag_name, source, repository))) > 0
),

final as (
    select *, count(*) over () as matching_releases
    from matching
)

select * from final order by release_day desc nulls last, release_id limit $row_limit
