-- Team of every work item, by the first rule that applies (SPEC "Inputs"):
--   1. its Jira team field, matched through ownership (jira_team_field) or equal to a team name;
--   2. the team that owned one of its components, else its project, on the item's date;
--   3. the assignee's team on that date in the dated roster.
-- The item's date is its resolution date, or its creation date while unresolved, in $timezone.
-- Where several rows match, the one that started last wins (a later row supersedes).
-- Each item also gets the facts the metrics read on every report, computed once here:
-- its resolution day in $timezone and its commitment (SPEC metric 2): the first due date ever
-- set when a changelog shows it, else the final due date, else the planned date of its
-- earliest fix version.
-- Key: item_key. Items no rule attributes keep team null and attributed_by 'none'.
with items as (
    select
        item_key,
        project_key,
        components,
        team_field,
        assignee,
        item_type,
        created_at,
        resolved_at,
        fix_versions,
        first_due_date,
        due_date,
        due_date_changes,
        delivered_by_move_to_done,
        cast(timezone($timezone, resolved_at) as date) as resolved_day,
        coalesce(cast(timezone($timezone, resolved_at) as date),
                 cast(timezone($timezone, created_at) as date)) as item_date
    from work_items
),

first_moves as (
    -- Work starts at the first status change (cycle time, a supporting measure).
    select item_key, min(changed_at) as started_at
    from status_changes
    group by item_key
),

fix_version_dates as (
    select i.item_key, min(r.release_date) as planned_date
    from items i
    cross join unnest(i.fix_versions) as v(version_name)
    join releases r
        on r.source = 'jira_version'
        and r.project_key = i.project_key
        and r.name = v.version_name
    where r.release_date is not null
        and i.first_due_date is null
        and i.due_date is null
    group by i.item_key
),

owned_on_date as (
    select o.kind, o.value, o.team, o.start_date, i.item_key
    from items i
    join ownership o
        on (
            (o.kind = 'jira_team_field' and o.value = i.team_field)
            or (o.kind = 'jira_project' and o.value = i.project_key)
            or (o.kind = 'jira_component' and list_contains(i.components, o.value))
        )
        and (o.start_date is null or o.start_date <= i.item_date)
        and (o.end_date is null or i.item_date <= o.end_date)
),

candidates as (
    select item_key, team, 'team_field' as attributed_by, 1 as rule_rank, start_date
    from owned_on_date where kind = 'jira_team_field'
    union all
    select i.item_key, t.team, 'team_field', 1, null
    from items i join teams t on t.team = i.team_field
    union all
    select item_key, team, 'component', 2, start_date
    from owned_on_date where kind = 'jira_component'
    union all
    select item_key, team, 'project', 3, start_date
    from owned_on_date where kind = 'jira_project'
    union all
    select i.item_key, m.team, 'assignee', 4, m.start_date
    from items i
    join members m
        on m.person = i.assignee
        and (m.start_date is null or m.start_date <= i.item_date)
        and (m.end_date is null or i.item_date <= m.end_date)
),

ranked as (
    select
        item_key,
        team,
        attributed_by,
        row_number() over (
            partition by item_key
            order by rule_rank, start_date desc nulls last, team
        ) as preference
    from candidates
),

final as (
    select
        i.item_key,
        r.team,
        coalesce(r.attributed_by, 'none') as attributed_by,
        i.item_type,
        i.created_at,
        m.started_at,
        i.resolved_at,
        i.resolved_day,
        coalesce(i.first_due_date, i.due_date, f.planned_date) as committed_date,
        case
            when i.first_due_date is not null then 'first due date'
            when i.due_date is not null then 'final due date'
            when f.planned_date is not null then 'fix version date'
        end as commitment_source,
        i.due_date_changes as replans,
        coalesce(i.delivered_by_move_to_done, false) as moved_to_done
    from items i
    left join ranked r on r.item_key = i.item_key and r.preference = 1
    left join fix_version_dates f on f.item_key = i.item_key
    left join first_moves m on m.item_key = i.item_key
)

select * from final
