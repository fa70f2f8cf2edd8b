"""The home page in a real headless browser (Debian's chromium, driven by Playwright)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from api_scene import Scene

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not installed (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: the browser is required)")
        pytest.skip(reason)
    return CHROMIUM


def test_the_home_page_greets_in_portuguese_first_and_counts_the_lines(
    api: Scene, chromium_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    api.add_line()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path), headless=True)
        try:
            page = browser.new_page()
            page.goto(str(api.client.base_url))
            assert page.locator("html").get_attribute("lang") == "pt-BR"
            assert page.locator("#line-count").inner_text() == "1"
            assert "zapguard está no ar" in page.inner_text("body")
            page.get_by_role("link", name="Documentação da API").click()
            page.wait_for_url("**/docs")
        finally:
            browser.close()
