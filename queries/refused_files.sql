-- Files refused or failed as a whole with no rejected row of their own (empty, unrecognised,
-- unreadable): the report lists them as whole-file rejects, so none is dropped silently.
-- Key: load_id.
select
    l.load_id,
    l.file_name,
    l.message
from load_log l
where l.status in ('refused', 'failed')
  and not exists (select 1 from rejected_rows r where r.load_id = l.load_id)
order by l.load_id
