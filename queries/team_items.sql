-- Key: item_key.
-- The work items behind one team's numbers: items of $team resolved in its before window
-- [$before_start, $before_end) or its after window [$after_start, $after_end), days in $timezone
-- (the windows and day rule of commitments.sql and resolved_items.sql). $search keeps items whose
-- key, title, type, status or assignee contain it (any case; '' keeps all); at most $row_limit
-- rows, newest first, each carrying how many matched in all.
with team_items as (
    select
        i.item_key,
        i.title,
        i.item_type,
        i.status,
        i.assignee,
        i.url,
        t.attributed_by,
        cast(timezone($timezone, i.resolved_at) as date) as resolved_day
    from work_items i
    join work_item_teams t on t.item_key = i.item_key
    where t.team = $team and i.resolved_at is not null
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
),

final as (
    select *, count(*) over () as matching_items
    from matching
)

select * from final order by resolved_day desc, item_key limit $row_limit
