-- Every counted release of each team in each report window (SPEC metric 1), with its day and
-- what identifies it (name, tag, repository or project, link). This file is the one statement
-- of which releases count and on which day: release_frequency's release days are its distinct
-- (team, period, release_day), taken in DuckDB by analysis/metrics/rows.py (release_days), and
-- the Overview and Team drill-downs list its rows (analysis/views/drill.py).
-- Counted: published non-draft GitHub releases (prereleases only when $include_prereleases),
-- git tags matching $tag_pattern, released Jira fix versions with a release date.
-- Days are in $timezone (a Jira version's release date is already a day).
-- Rows come in no particular order: the metric sorts its distinct days, the drill-down its rows.
-- Key: team, period, release_id.
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
        r.release_id,
        r.source,
        coalesce(r.repo, r.project_key) as repository,
        r.name,
        r.tag_name,
        r.url,
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
    select w.team, w.period, c.release_day, c.release_id, c.name, c.tag_name, c.source, c.repository, c.url
    from report_windows w
    join counted_releases c
        on c.team = w.team
        and c.release_day >= w.start_date
        and c.release_day < w.end_date
)

select * from final
