-- First and last day with any data (items created or resolved, releases), in the report's
-- time zone ($timezone). Windows are cut to this span. Key: one row (span).
with item_days as (
    select
        cast(timezone($timezone, created_at) as date) as first_day,
        cast(timezone($timezone, coalesce(resolved_at, updated_at, created_at)) as date) as last_day
    from work_items
),

release_days as (
    select
        coalesce(cast(timezone($timezone, released_at) as date), release_date) as first_day,
        coalesce(cast(timezone($timezone, released_at) as date), release_date) as last_day
    from releases
),

final as (
    select 'span' as span, min(first_day) as first_day, max(last_day) as last_day
    from (select * from item_days union all select * from release_days) as days
)

select * from final
