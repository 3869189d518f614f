"""axe-core in the browser tests: the version pinned in package.json (installed by `make`,
never from a CDN), injected into the page, its serious and critical violations returned."""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SEVERE = ("serious", "critical")


def severe_violations(page) -> list[str]:
    """One line per serious or critical violation: rule, impact, the first nodes' targets."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    lines = []
    for violation in result["violations"]:
        if violation["impact"] in SEVERE:
            nodes = "; ".join(
                f"{node['target']} {node.get('failureSummary', '')[:160]!r}"
                for node in violation["nodes"][:4]
            )
            lines.append(
                f"{violation['id']} ({violation['impact']}, "
                f"{len(violation['nodes'])} nodes): {nodes}"
            )
    return lines
