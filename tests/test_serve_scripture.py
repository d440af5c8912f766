"""`oracle serve` and scriptures (issue 28): in a browser tab, F10 opens the Scripture screen, and
Start (F5) writes a book there, its first verse shown while the rest is written (a real headless
Chromium against a real `oracle serve`, as tests/test_serve.py does)."""

from __future__ import annotations

import re

from test_serve import CATCH_TERMINAL, SCREEN_TEXT, Served, chromium, wait_for


def test_f10_in_a_browser_opens_the_scripture_screen_which_writes(tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    served = Served(tmp_path)
    browser = chromium()
    try:
        browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_TERMINAL})
        browser.get(served.url)

        def screen() -> str:
            return browser.execute_script(SCREEN_TEXT)

        wait_for(lambda: "default (shipped)" in screen() and "Ask the oracle" in screen(), 40, "the Oracle screen")
        assert "Fill in the form" not in screen()
        keys = browser.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea")
        keys.send_keys(Keys.F10)
        wait_for(lambda: "Fill in the form, then Start (F5)." in screen() and "a new scripture" in screen(), 30,
                 "the Scripture screen")
        assert "Ask the oracle" not in screen()
        keys.send_keys(Keys.F5)
        # The status line counts the verses as the served app's worker writes them.
        wait_for(lambda: re.search(r"Writing book 1, chapter 1, verse \d+… \(\d+ of \d+ verses\)", screen()), 180,
                 "the first verse to be written", step=0.5)
        keys.send_keys(Keys.F6)
        wait_for(lambda: "stopped: Continue (F7) goes on" in screen(), 60, "the book to stop after its verse", step=0.5)
    finally:
        browser.quit()
        served.stop()
