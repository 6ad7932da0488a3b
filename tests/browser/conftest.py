"""Browser tests: Playwright for Python driving Debian's chromium against pytest-django's live server.

`make test` installs chromium when it is missing (scripts/test.sh). Without it these tests skip on a
laptop and fail under CI=true. Screenshots go to the git-ignored artifacts/ folder.
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls there otherwise.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}


def pytest_collection_modifyitems(config, items):
    # Under CI a missing chromium is a failure (the launch fails), never a skip.
    if shutil.which(CHROMIUM) or os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason=f"needs chromium at {CHROMIUM} (make test installs it)")
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": DESKTOP}


@pytest.fixture
def screenshot():
    """screenshot(page, "name") saves artifacts/name-desktop.png and artifacts/name-phone.png, after
    checking the page fits each width (no sideways scrolling)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> None:
        page.evaluate("window.scrollTo(0, 0)")  # a sticky top bar would be drawn where the page was scrolled
        for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            # Two frames, so the new width is laid out and painted (scrolling tables came out blank).
            page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= size["width"], f"{name} is {width}px wide at {label} width: it scrolls sideways"
            page.screenshot(path=ARTIFACTS / f"{name}-{label}.png", full_page=True)
        page.set_viewport_size(DESKTOP)

    return take


@pytest.fixture
def axe_violations():
    """The serious and critical accessibility problems axe-core finds on the page."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def run(page) -> list[dict]:
        violations = axe.run(page).response["violations"]
        # Each problem with the elements it was found on, so a failure says what to fix.
        return [
            {"rule": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]

    return run
