"""Every setting a host can give through the environment is documented in the README."""

import re

from conftest import PROJECT_ROOT


def test_every_environment_variable_the_product_reads_is_in_the_readme():
    product = [*(PROJECT_ROOT / "analysis").rglob("*.py"), PROJECT_ROOT / "dashboard.py", PROJECT_ROOT / "app.py"]
    names = {name for path in product for name in re.findall(r"\bTHREADLINE_[A-Z_]+\b", path.read_text())}
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert names, "no THREADLINE_ variable found: the scan is broken"
    assert sorted(name for name in names if name not in readme) == []
