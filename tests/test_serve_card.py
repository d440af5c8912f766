"""`oracle serve` and prophecy cards (issue 29): in a browser tab, F7 sends the last answer's card to
the browser as a download (a real headless Chromium, its downloads in a folder of this test's)."""

from __future__ import annotations

import io

from PIL import Image
from test_serve import CATCH_TERMINAL, SCREEN_TEXT, Served, chromium, wait_for

from oracle.engine import card


def test_f7_in_a_browser_downloads_the_card(tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    served = Served(tmp_path)
    browser = chromium()
    try:
        browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_TERMINAL})
        browser.get(served.url)

        def screen() -> str:
            return browser.execute_script(SCREEN_TEXT)

        wait_for(lambda: "default (shipped)" in screen() and "Ask the oracle" in screen(), 40, "the Oracle screen")
        keys = browser.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea")
        keys.send_keys("what is wisdom?", Keys.ENTER)
        wait_for(lambda: "listening" in screen() and "seed" in screen(), 40, "the answer to finish", step=0.25)
        keys.send_keys(Keys.F7)
        found = wait_for(lambda: list(downloads.glob("oracle-card-*.png")), 30, "the card's download")
        image = Image.open(io.BytesIO(found[0].read_bytes()))
        assert image.size == (card.WIDTH, card.HEIGHT)
    finally:
        browser.quit()
        served.stop()
