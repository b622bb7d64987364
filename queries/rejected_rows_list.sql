-- Every rejected row with its reason, for the data-quality report and its CSV download.
-- Key: reject_id.
select
    r.reject_id,
    r.file_name,
    r.row_number,
    r.field,
    r.reason,
    r.load_id
from rejected_rows r
order by r.load_id, r.row_number nulls first, r.field
