"""Take the README screenshots from a running demo (`make run`): python scripts/screenshots.py [BASE_URL]."""

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = (sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000").rstrip("/")
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 375, "height": 812}, "device_scale_factor": 2, "locale": "zh-CN"}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "zh-CN"}


def login(page, username: str) -> None:
    page.goto(f"{BASE}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "louwei-demo")
    page.click("main form.form button[type=submit]")
    page.wait_for_load_state()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=ARGS)
        phone = browser.new_context(**PHONE).new_page()
        phone.goto(f"{BASE}/f/XCFZ-B-05/")
        phone.screenshot(path=OUT / "floor-page-phone.png")
        phone.goto(f"{BASE}/f/XCFZ-B-05/report/")
        phone.screenshot(path=OUT / "raise-case-phone.png")
        login(phone, "leader")
        phone.goto(f"{BASE}/")
        phone.screenshot(path=OUT / "leader-home-phone.png")
        phone.goto(f"{BASE}/cases/")
        phone.locator("main a[href^='/cases/2']").first.click()
        phone.wait_for_load_state()
        phone.screenshot(path=OUT / "case-phone.png")
        desk = browser.new_context(**DESKTOP).new_page()
        login(desk, "secretary")
        desk.goto(f"{BASE}/buildings/XCFZ-B/enterprises/")
        desk.screenshot(path=OUT / "enterprise-list-desktop.png")
        desk.goto(f"{BASE}/buildings/XCFZ-B/cases/dashboard/?period=year")
        desk.wait_for_timeout(800)  # the charts draw after load
        desk.screenshot(path=OUT / "rates-dashboard-desktop.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    main()
