"""The report's JSON, CSV and text on the demo and the planted-effects organisation are byte for
byte what tests/reference/ holds (see reference_outputs.py for how to regenerate them)."""

from __future__ import annotations

import pytest
from reference_outputs import FORMATS, ORGANISATIONS, PROJECT_ROOT, REFERENCE, outputs, write_planted


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    return {
        "demo": PROJECT_ROOT / "data" / "demo",
        "planted": write_planted(tmp_path_factory.mktemp("reference") / "planted"),
    }


@pytest.mark.parametrize("organisation", ORGANISATIONS)
def test_report_outputs_match_the_reference_byte_for_byte(organisation, folders):
    produced = outputs(organisation, folders[organisation])
    assert sorted(produced) == sorted(f"{organisation}.{extension}" for extension in FORMATS.values())
    for name, text in produced.items():
        expected = (REFERENCE / name).read_bytes()
        assert text.encode("utf-8") == expected, f"{name} differs from tests/reference/{name}"
