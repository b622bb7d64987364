"""Threadline: did reorganising teams under single-threaded owners change how they deliver?

The entry point is only the router: page config, navigation and the shared sidebar live in
dashboard.py, which every page also calls so a deep link straight to a page works the same.
"""

import dashboard

dashboard.route()
