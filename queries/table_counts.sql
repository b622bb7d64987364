-- Rows in each canonical table. Key: table_name.
select 'work_items' as table_name, count(*) as row_count from work_items
union all select 'status_changes', count(*) from status_changes
union all select 'field_changes', count(*) from field_changes
union all select 'links', count(*) from links
union all select 'releases', count(*) from releases
union all select 'pull_requests', count(*) from pull_requests
union all select 'reviews', count(*) from reviews
union all select 'teams', count(*) from teams
union all select 'members', count(*) from members
union all select 'ownership', count(*) from ownership
