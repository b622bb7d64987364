"""Streamlit settings the hosted app needs under load (.streamlit/config.toml)."""

import tomllib

from conftest import PROJECT_ROOT


def test_no_per_session_source_watching_and_no_full_collection_after_every_run():
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    # Each would make every visitor wait on the web server's thread: a walk of every imported
    # module per new session, a full garbage collection per script run.
    assert config["server"]["fileWatcherType"] == "none"
    assert config["runner"]["postScriptGC"] is False
