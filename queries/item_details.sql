-- Key: item_key.
-- What a person needs to recognise the work items $item_keys (a list of keys): title, type,
-- status, assignee, labels and the link back to Jira. The drill-downs add these to a metric's
-- own rows; keys that are not in work_items return nothing.
select item_key, title, item_type, status, assignee, labels, url
from work_items
where list_contains($item_keys, item_key)
order by item_key
