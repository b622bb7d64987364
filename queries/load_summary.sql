-- What each loaded file contributed, in load order. Key: load_id.
select
    load_id,
    file_name,
    kind,
    status,
    rows_read,
    rows_loaded,
    rows_rejected,
    message
from load_log
order by load_id
