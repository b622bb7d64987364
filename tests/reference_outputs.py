"""The report's reference outputs: what `python -m analysis report` prints today, kept in
tests/reference/ and compared byte for byte by test_reference_outputs.py.

Two organisations, three formats each, default settings:

- `demo`: the embedded demo organisation (data/demo);
- `planted`: the planted-effects organisation of test_planted_effects.py (PLANTED, a fixed
  seed), written into a scratch folder.

Everything in them is deterministic: the demo files are fixed, the planted organisation is drawn
from its seed, and the report's bootstrap and placebo draws use Settings.seed.

A change that means to change these outputs (a new field, new statistics, a new demo) regenerates
them in a commit of its own whose message explains the difference:

    python3 tests/reference_outputs.py
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent
PROJECT_ROOT = TESTS.parent
REFERENCE = TESTS / "reference"
FORMATS = {"json": "json", "csv": "csv", "text": "txt"}
ORGANISATIONS = ("demo", "planted")


def cli_output(folder: Path, output_format: str) -> str:
    """What `python -m analysis report FOLDER --format FORMAT` prints on stdout."""
    from analysis.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(["report", str(folder), "--format", output_format])
    assert status == 0, f"report on {folder} exited {status}"
    return out.getvalue()


def write_planted(folder: Path) -> Path:
    from planted import generate
    from test_planted_effects import PLANTED

    return generate(PLANTED).write(folder)


def outputs(organisation: str, folder: Path) -> dict[str, str]:
    """{file name in tests/reference: text} for one organisation read from `folder`."""
    return {
        f"{organisation}.{extension}": cli_output(folder, output_format) for output_format, extension in FORMATS.items()
    }


def all_outputs() -> dict[str, str]:
    with tempfile.TemporaryDirectory() as scratch:
        return {
            **outputs("demo", PROJECT_ROOT / "data" / "demo"),
            **outputs("planted", write_planted(Path(scratch) / "planted")),
        }


def main() -> None:
    REFERENCE.mkdir(exist_ok=True)
    for name, text in all_outputs().items():
        (REFERENCE / name).write_bytes(text.encode("utf-8"))
        print(f"wrote {REFERENCE.relative_to(PROJECT_ROOT) / name}")


if __name__ == "__main__":
    sys.path[:0] = [str(PROJECT_ROOT), str(TESTS)]
    main()
