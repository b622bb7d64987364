-- Distinct release days of each team in each report window (SPEC metric 1).
-- Counted: published non-draft GitHub releases (prereleases only when $include_prereleases),
-- git tags matching $tag_pattern, released Jira fix versions with a release date.
-- Several releases on one day count once. Days are in $timezone.
-- Key: team, period, release_day.
with report_windows as (
    -- The windows come as one bound parameter (a list of structs): a report never writes.
    select unnest(
        cast($windows as struct(team varchar, period varchar, start_date date, end_date date)[]),
        recursive := true
    )
),

counted_releases as (
    select
        t.team,
        case
            when r.source = 'jira_version' then r.release_date
            else cast(timezone($timezone, r.released_at) as date)
        end as release_day
    from releases r
    join release_teams t on t.release_id = r.release_id
    where t.team is not null
        and not r.is_draft
        and (not r.is_prerelease or $include_prereleases)
        and (
            (r.source = 'github_release' and r.released_at is not null)
            or (r.source = 'git_tag' and regexp_full_match(r.tag_name, $tag_pattern))
            or (r.source = 'jira_version' and r.is_released and r.release_date is not null)
        )
),

final as (
    select distinct w.team, w.period, c.release_day
    from report_windows w
    join counted_releases c
        on c.team = w.team
        and c.release_day >= w.start_date
        and c.release_day < w.end_date
)

select * from final order by team, period, release_day
