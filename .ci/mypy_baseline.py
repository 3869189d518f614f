"""The mypy baseline: modules with type errors, exempt (ignore_errors) until they are typed.

    .venv/bin/python .ci/mypy_baseline.py           print the modules that have errors now
    .venv/bin/python .ci/mypy_baseline.py --write   ... and make them the list in pyproject.toml
    make mypy-baseline                              the same as --write

Runs mypy with pyproject.toml's settings less the baseline block (the lines from
'# BEGIN mypy baseline' to '# END mypy baseline'), so that every module's errors show, and prints
the modules that have at least one. With --write the block is replaced by one
[[tool.mypy.overrides]] listing them with ignore_errors = true. A typed module drops off the list
the next time it is regenerated; new code belongs on it never.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
BLOCK = re.compile(r"^# BEGIN mypy baseline\n.*?^# END mypy baseline\n", re.MULTILINE | re.DOTALL)


def module_name(path: str) -> str:
    parts = list(Path(path).resolve().relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules_with_errors(pyproject: str) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "pyproject.toml"
        config.write_text(BLOCK.sub("", pyproject))
        # config.settings needs DEBUG (or SECRET_KEY) to load; the django-stubs plugin loads it.
        env = {**os.environ, "DEBUG": os.environ.get("DEBUG") or "1"}
        result = subprocess.run(
            [sys.executable, "-m", "mypy", "--config-file", str(config), "--output", "json"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
    modules = set()
    for line in result.stdout.splitlines():
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            message = None
        if not isinstance(message, dict) or "file" not in message:
            sys.exit(f"mypy did not run (exit code {result.returncode}):\n{result.stdout}"
                     f"{result.stderr}")  # fmt: skip
        if message.get("severity") == "error":
            modules.add(module_name(message["file"]))
    if result.returncode not in (0, 1) or (result.returncode == 1 and not modules):
        sys.exit(f"mypy did not run (exit code {result.returncode}):\n{result.stdout}"
                 f"{result.stderr}")  # fmt: skip
    return sorted(modules)


def block(modules: list[str]) -> str:
    if not modules:
        return "# BEGIN mypy baseline\n# END mypy baseline\n"
    listed = "".join(f'    "{module}",\n' for module in modules)
    return (
        "# BEGIN mypy baseline\n[[tool.mypy.overrides]]\n"
        f"module = [\n{listed}]\nignore_errors = true\n# END mypy baseline\n"
    )


def main() -> int:
    write = sys.argv[1:] == ["--write"]
    if sys.argv[1:] not in ([], ["--write"]):
        print(__doc__, file=sys.stderr)
        return 2
    pyproject = PYPROJECT.read_text()
    if len(BLOCK.findall(pyproject)) != 1:
        print("pyproject.toml needs exactly one '# BEGIN mypy baseline' ... "
              "'# END mypy baseline' block.", file=sys.stderr)  # fmt: skip
        return 1
    modules = modules_with_errors(pyproject)
    print("\n".join(modules))
    print(f"{len(modules)} modules with type errors.", file=sys.stderr)
    if write:
        PYPROJECT.write_text(BLOCK.sub(lambda _: block(modules), pyproject))
        print("pyproject.toml: mypy baseline written.", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
