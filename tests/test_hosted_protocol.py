"""benchmarks/hosted.py's protocol visitor really runs the app's pages on a real server: each
step it takes is a script run in the server's run log (THREADLINE_RUN_LOG), on its page."""

from __future__ import annotations

import asyncio
import json
import sys

from browser import streamlit_server
from conftest import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

from hosted import ProtocolVisitor, steps_per_page  # noqa: E402


def test_each_step_of_a_protocol_visitor_is_a_run_of_its_page(tmp_path):
    run_log = tmp_path / "runs.jsonl"
    env = {"THREADLINE_CACHE_DIR": str(tmp_path / "cache"), "THREADLINE_RUN_LOG": str(run_log)}

    async def visit(url: str) -> list[dict]:
        visitor = ProtocolVisitor(url, "p0")
        await visitor.open(url, "new visitor: Overview")
        await visitor.switch_to("Methods")
        await visitor.set_window(90, "Methods")
        await visitor.switch_to("Dependencies")
        await visitor.close()
        return visitor.records

    with streamlit_server(env=env, timeout=120) as url:
        records = asyncio.run(visit(url))
    assert [record["error"] for record in records] == [None] * 4
    assert records[0]["first_chart"] <= records[0]["script"]  # the Overview's timeline came
    runs = [json.loads(line)["page"] for line in run_log.read_text().splitlines()]
    # A fresh server's first visit may log the Overview twice (a short run, then the full one).
    assert runs[-3:] == ["methods", "methods", "dependencies"] and set(runs[:-3]) == {"overview"}
    assert steps_per_page(records) == {"overview": 1, "methods": 2, "dependencies": 1}
