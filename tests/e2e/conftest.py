"""Browser tests: pytest-playwright driving Debian's Chromium against pytest-django's live server.

See DESIGN.md §8: Playwright's own browser download is not used (no internet); Debian's
/usr/bin/chromium is launched directly, and the live server needs DJANGO_ALLOW_ASYNC_UNSAFE.
"""

import os
from pathlib import Path

import pytest

from tests.conftest import in_ci

# pytest-playwright runs an event loop in the test thread; without this, Django's ORM calls made
# from that thread (the tests' own set-up and the live server's teardown) raise
# SynchronousOnlyOperation.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    # This hook sees every collected item of the session, not only those of this directory.
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def _chromium_available():
    """Skip the browser tests without Chromium, except in CI, where they must run.

    Session-scoped and autouse, so it runs before pytest-playwright launches the browser; being
    defined here, it applies only to the tests in tests/e2e."""
    if CHROMIUM.exists():
        return
    if in_ci():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: CI must run the browser tests "
            "(install Debian's chromium package).",
            pytrace=False,
        )
    pytest.skip(f"Chromium not found at {CHROMIUM}; install Debian's chromium to run browser tests")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium (``--browser-channel`` cannot point at it)."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(autouse=True)
def _e2e_database(transactional_db, live_server):
    """Real commits: the live server's thread must see what a test writes."""
