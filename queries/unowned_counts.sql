-- Work items and releases that belong to no team (no ownership row, team field or roster entry
-- gives them one). Key: one row (items).
select
    (select count(*) from work_item_teams where team is null) as items,
    (select count(*) from release_teams where team is null) as releases
