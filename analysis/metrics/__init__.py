"""The delivery metrics. `rows` fetches every metric's rows for the report's windows."""
