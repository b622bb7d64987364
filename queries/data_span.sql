-- First and last day with any data (items created or resolved, releases), in the report's
-- time zone ($timezone). Windows are cut to this span. One row. Key: span.
-- Converting a time to local time keeps its order, so only the extremes are converted.
with extremes as (
    select min(created_at) as first_at, max(coalesce(resolved_at, updated_at, created_at)) as last_at,
           cast(null as date) as first_date, cast(null as date) as last_date
    from work_items
    union all
    select min(released_at), max(released_at), min(release_date), max(release_date)
    from releases
),

final as (
    select
        'span' as span,
        least(min(cast(timezone($timezone, first_at) as date)), min(first_date)) as first_day,
        greatest(max(cast(timezone($timezone, last_at) as date)), max(last_date)) as last_day
    from extremes
)

select * from final
