"""Dependency audit: fail on any known vulnerability in the locked dependencies.

Runs pip-audit (PyPI's vulnerability data) over requirements.lock and requirements-dev.lock
without resolving anything (the locks are exact). A package pip-audit could not check (the
vulnerability service is unreachable, as on a machine with only a package mirror) is listed
loudly as NOT AUDITED; with AUDIT_STRICT=1 that fails the run too.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AUDIT = os.environ.get("PIP_AUDIT", str(ROOT / ".venv-audit" / "bin" / "pip-audit"))


def main() -> int:
    command = [
        AUDIT, "--format", "json", "--progress-spinner", "off", "--no-deps", "--disable-pip",
        "--vulnerability-service", "pypi",
        "-r", str(ROOT / "requirements.lock"), "-r", str(ROOT / "requirements-dev.lock"),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(result.stdout, result.stderr, sep="\n", file=sys.stderr)
        print("FAIL: pip-audit gave no report.", file=sys.stderr)
        return 1
    vulnerable = [d for d in report["dependencies"] if d.get("vulns")]
    skipped = [d for d in report["dependencies"] if d.get("skip_reason")]
    audited = len(report["dependencies"]) - len(skipped)
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"VULNERABLE {dependency['name']} {dependency['version']}: {vuln['id']} "
                  f"(fixed in {fixes})")  # fmt: skip
    print(f"audited {audited} of {len(report['dependencies'])} locked packages; "
          f"{len(vulnerable)} with known vulnerabilities")  # fmt: skip
    if skipped:
        print(f"NOT AUDITED ({len(skipped)}): the vulnerability service could not check "
              + ", ".join(sorted(d["name"] for d in skipped)), file=sys.stderr)  # fmt: skip
    if vulnerable:
        return 1
    if skipped and os.environ.get("AUDIT_STRICT") == "1":
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
