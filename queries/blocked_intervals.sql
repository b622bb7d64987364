-- Every stretch of time a work item spent blocked by an item of ANOTHER team (SPEC metric 3),
-- before merging overlaps. A link counts when its type is in $link_types (current links) or,
-- in a changelog, when its lower-cased text matches $blocked_pattern ("is blocked by|depends on").
-- With link history: from the moment the link was added until the blocker was resolved or the
-- link removed. Without: from the item's creation until the blocker was resolved.
-- Time in a blocked status ($blocked_statuses) or with the Flagged field set counts too, as a
-- wait on the item's blockers (the teams are only known through its blocking links).
-- All are capped by the blocker's and the blocked item's own resolution.
-- Overlapping stretches count once: taken in order of start, each stretch adds only its part
-- after every earlier stretch ended, to its item's blocked time (item_added_us) and to its
-- item's time blocked by that one team (team_added_us). Summing them gives the union, so the
-- queries that read this table (dependency_waits.sql, wait_matrix.sql, blocking_links.sql) need
-- no merging: they only join it to the report windows.
-- Key: blocked_key, blocker_key, started_at, ended_at.
with linked_in_history as (
    -- Items whose changelog records link changes: their history is the better source.
    select distinct item_key from field_changes where field = 'Link'
),

link_added as (
    select
        c.item_key as blocked_key,
        c.to_value as blocker_key,
        c.changed_at as added_at
    from field_changes c
    where c.field = 'Link'
        and c.to_value is not null
        and regexp_matches(lower(c.to_string), $blocked_pattern)
),

link_removed as (
    select c.item_key as blocked_key, c.from_value as blocker_key, c.changed_at as removed_at
    from field_changes c
    where c.field = 'Link' and c.from_value is not null and c.to_value is null
),

history_intervals as (
    select
        a.blocked_key,
        a.blocker_key,
        a.added_at as started_at,
        (
            select min(r.removed_at)
            from link_removed r
            where r.blocked_key = a.blocked_key
                and r.blocker_key = a.blocker_key
                and r.removed_at > a.added_at
        ) as removed_at
    from link_added a
),

snapshot_intervals as (
    select
        case when l.direction = 'inward' then l.item_key else l.linked_key end as blocked_key,
        case when l.direction = 'inward' then l.linked_key else l.item_key end as blocker_key,
        cast(null as timestamptz) as started_at,     -- the blocked item's creation, below
        cast(null as timestamptz) as removed_at
    from links l
    where list_contains($link_types, l.link_type)
),

link_intervals as (
    select * from history_intervals
    union
    select s.*
    from snapshot_intervals s
    where s.blocked_key not in (select item_key from linked_in_history)
),

status_periods as (
    -- From entering a blocked status until the next status change (or the item's resolution).
    select item_key, started_at, removed_at
    from (
        select
            item_key,
            to_status,
            changed_at as started_at,
            lead(changed_at) over (partition by item_key order by changed_at, change_id) as removed_at
        from status_changes
        where item_key in (select item_key from status_changes where list_contains($blocked_statuses, to_status))
    ) as periods
    where list_contains($blocked_statuses, to_status)
),

flag_periods as (
    -- From setting the Flagged field (e.g. "Impediment") until it is next changed.
    select item_key, started_at, removed_at
    from (
        select
            item_key,
            coalesce(to_string, '') <> '' as is_flagged,
            changed_at as started_at,
            lead(changed_at) over (partition by item_key order by changed_at, change_id) as removed_at
        from field_changes
        where field = 'Flagged'
    ) as periods
    where is_flagged
),

marked_intervals as (
    select distinct b.blocked_key, b.blocker_key, m.started_at, m.removed_at
    from (select * from status_periods union all select * from flag_periods) as m
    join link_intervals b on b.blocked_key = m.item_key
),

all_intervals as (
    -- Marked stretches start at a status or flag change, link stretches at a link change or
    -- the item's creation; an exact duplicate would not change the merged waits either.
    select * from link_intervals
    union all
    select * from marked_intervals
),

final as (
    select
        a.blocked_key,
        a.blocker_key,
        blocked.team as blocked_team,
        blocker.team as blocker_team,
        blocked.resolved_day,
        coalesce(a.started_at, blocked.created_at) as started_at,
        least(
            coalesce(a.removed_at, blocked.resolved_at),
            coalesce(blocker.resolved_at, blocked.resolved_at),
            blocked.resolved_at
        ) as ended_at
    from all_intervals a
    join work_item_teams blocked on blocked.item_key = a.blocked_key
    join work_item_teams blocker on blocker.item_key = a.blocker_key
    where blocked.resolved_at is not null
        and blocked.team is not null
        and blocker.team is not null
        and blocked.team <> blocker.team
),

stretches as (
    select * from final where ended_at > started_at
),

with_previous_ends as (
    -- The latest end among the stretches that come earlier, of the item and of the item's
    -- blockers in the same team.
    select
        *,
        max(ended_at) over (
            partition by blocked_key order by started_at, ended_at
            rows between unbounded preceding and 1 preceding
        ) as item_previous_end,
        max(ended_at) over (
            partition by blocked_key, blocker_team order by started_at, ended_at
            rows between unbounded preceding and 1 preceding
        ) as team_previous_end
    from stretches
)

-- epoch_us, not date_diff: date_diff on timestamps with time zone goes through the calendar
-- and was the costliest step here.
select
    * exclude (item_previous_end, team_previous_end),
    greatest(epoch_us(ended_at) - epoch_us(greatest(started_at, coalesce(item_previous_end, started_at))), 0)
        as item_added_us,
    greatest(epoch_us(ended_at) - epoch_us(greatest(started_at, coalesce(team_previous_end, started_at))), 0)
        as team_added_us
from with_previous_ends
