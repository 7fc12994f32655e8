"""What the .vsix bundles is everything the server imports, on every Python the extension accepts (3.10+).

The extension runs the server with site-packages ignored in favour of bundled/ (PYTHONPATH first), so a
dependency missing from bundled-requirements.txt would only show on a user's machine that lacks it, often
only on one Python version (tomli and exceptiongroup are needed on 3.10 alone).
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

from .editor_support import REPO, VSCODE, pythons, vsix

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (VSCODE / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            req = Requirement(line)
            pins[_norm(req.name)] = str(req.specifier).removeprefix("==")
    return pins


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _needed(req: Requirement, minor: int) -> bool:
    env = {**default_environment(), "python_version": f"3.{minor}", "python_full_version": f"3.{minor}.0"}
    return req.marker is None or req.marker.evaluate({**env, "extra": ""})


def test_bundled_requirements_cover_the_server_dependencies_on_every_python() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = {**_pins("bundled-requirements.txt"), **_pins("native-requirements.txt")}
    missing: list[str] = []
    for minor in range(10, 15):
        todo = [Requirement(r) for r in project["dependencies"]]
        seen: set[str] = set()
        while todo:
            req = todo.pop()
            name = _norm(req.name)
            if not _needed(req, minor) or name in seen:
                continue
            seen.add(name)
            if name not in pins:
                missing.append(f"{req} (Python 3.{minor})")
                continue
            if not req.specifier.contains(pins[name], prereleases=True):
                missing.append(f"{req} but {name}=={pins[name]} is bundled (Python 3.{minor})")
            try:
                todo += [Requirement(r) for r in importlib.metadata.requires(req.name) or []]
            except importlib.metadata.PackageNotFoundError:
                pass  # not installed here (a dependency of another Python version): its own needs are unknown
    assert not missing, f"add to editors/vscode/bundled-requirements.txt: {sorted(set(missing))}"


@pytest.mark.parametrize("version", list(pythons()) or ["none found"])
def test_bundled_server_imports_without_site_packages(version: str) -> None:
    """python -S with only bundled/ on the path imports the whole server, as on a bare Python."""
    found = pythons()
    if version not in found:
        pytest.skip("no CPython >= 3.10 found besides the one running the tests")
    vsix()
    exe = found[version]
    tag = subprocess.run(
        [exe, "-c", "import sys, platform; print('cp%d%d-%s-%s' % (sys.version_info[0], sys.version_info[1], "
                    "sys.platform, platform.machine().lower()))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    bundled = VSCODE / "bundled"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(bundled / "libs"), str(bundled / "native" / tag)])}
    proc = subprocess.run(
        [exe, "-S", "-c", "import tfguard.cli, tfguard.lsp.server, hcl2, regex; print(tfguard.__file__)"],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().startswith(str(bundled / "libs")), proc.stdout
