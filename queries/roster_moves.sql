-- Who moved where at each reorg date (a teams.csv reorg_date D): every person who was in a team
-- on the day before D (old_team) and is in a team on D (new_team), when they changed team or
-- either team reorganised on D (so the people who stayed in a reorganised team show too).
-- The roster is dated (members: start_date null = from the beginning, end_date null = still
-- there, end_date the last day in the team). People who joined or left on D are not moves.
-- Key: reorg_date, person, old_team, new_team.
with reorg_dates as (
    select distinct reorg_date from teams where reorg_date is not null
),

reorganised as (
    select team, reorg_date from teams where reorg_date is not null
),

in_team_on as (
    -- Each person's team on the day before and on each reorg date.
    select
        d.reorg_date,
        m.person,
        m.team,
        coalesce(m.start_date, date '0001-01-01') <= d.reorg_date - interval 1 day
        and coalesce(m.end_date, date '9999-12-31') >= d.reorg_date - interval 1 day as on_day_before,
        coalesce(m.start_date, date '0001-01-01') <= d.reorg_date
        and coalesce(m.end_date, date '9999-12-31') >= d.reorg_date as on_reorg_date
    from reorg_dates d
    cross join members m
),

moves as (
    select distinct
        old.reorg_date,
        old.person,
        old.team as old_team,
        new.team as new_team
    from in_team_on old
    join in_team_on new on new.reorg_date = old.reorg_date and new.person = old.person
    where old.on_day_before and new.on_reorg_date
)

select m.*
from moves m
where m.old_team <> m.new_team
    or exists (
        select 1 from reorganised r
        where r.reorg_date = m.reorg_date and r.team in (m.old_team, m.new_team)
    )
order by m.reorg_date, m.old_team, m.new_team, m.person
