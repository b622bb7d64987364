-- The teams of the organisation: reorganised teams by reorg date, then comparison teams.
-- Key: team.
select team, reorg_date, model, leader
from teams
order by reorg_date nulls last, team
