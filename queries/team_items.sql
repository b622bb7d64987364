-- Key: item_key.
-- The work items behind one team's numbers: items of $team resolved in its before window
-- [$before_start, $before_end) or its after window [$after_start, $after_end), by the resolution
-- day the attribution stored (the day rule of commitments.sql and resolved_items.sql). $search
-- keeps items whose key, title, type, status or assignee contain it (any case; '' keeps all); at
-- most $row_limit rows, newest first, each carrying how many matched in all.
-- The filters (each an empty list: no filter): $outcomes keeps items that are any of 'late' or
-- 'on time' (a commitment as commitments.sql counts it, with $issue_types: slip = resolution day
-- - committed day, on time at most $tolerance_days late, TimelineAccuracy.on_time) or 'waiting'
-- (blocked by another team's item, as dependency_waits.sql counts it); $item_types keeps those
-- types; $labels keeps items with any of those labels.
with team_items as (
    select
        i.item_key,
        i.title,
        i.item_type,
        i.status,
        i.assignee,
        i.url,
        i.labels,
        t.attributed_by,
        t.resolved_day,
        case
            when t.committed_date is null
                or not (len($issue_types) = 0 or list_contains($issue_types, t.item_type)) then null
            when date_diff('day', t.committed_date, t.resolved_day) <= $tolerance_days then 'on time'
            else 'late'
        end as commitment_outcome,
        exists (
            select 1 from blocked_intervals b where b.blocked_key = t.item_key and b.blocked_team = t.team
        ) as waited
    from work_item_teams t
    join work_items i on i.item_key = t.item_key
    where t.team = $team and t.resolved_day is not null
),

windowed as (
    select
        *,
        case
            when resolved_day >= $before_start and resolved_day < $before_end then 'before'
            when resolved_day >= $after_start and resolved_day < $after_end then 'after'
        end as period
    from team_items
),

matching as (
    select *
    from windowed
    where period is not null
        and (
            $search = ''
            -- position() rather than LIKE, so % and _ in the search are plain characters.
            or position(lower($search) in lower(concat_ws(' ', item_key, title, item_type, status, assignee))) > 0
        )
        and (
            len($outcomes) = 0
            or list_contains($outcomes, commitment_outcome)
            or (waited and list_contains($outcomes, 'waiting'))
        )
        and (len($item_types) = 0 or list_contains($item_types, item_type))
        and (len($labels) = 0 or list_has_any($labels, labels))
),

final as (
    select *, count(*) over () as matching_items
    from matching
)

select * from final order by resolved_day desc, item_key limit $row_limit
