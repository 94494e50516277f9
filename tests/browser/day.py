"""Steps every role's day shares in the browser: log in with the demo's password, check that no
exception box appeared, save the role's screenshot."""

from __future__ import annotations

import os
from pathlib import Path

from tests.browser.helpers import click, settle

TIMEOUT_MS = 60_000
#: set to a folder (e.g. docs/screenshots) to keep each role's main page as a PNG there
SCREENSHOT_DIR = os.environ.get("HUIFANG_SCREENSHOT_DIR")


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    settle(page)
    return page


def sign_in(page, username: str, password: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    click(page, "登录")
    # under load the first run after signing in can still be drawing the page when settle() returns:
    # wait until the login form is gone and that run has finished, or a field filled next is redrawn empty
    page.get_by_role("button", name="登录", exact=True).wait_for(state="detached")
    settle(page)
    no_exception(page)


def no_exception(page) -> None:
    """Fail on an exception box (a traceback shown to the user), naming what it says."""
    boxes = page.locator('[data-testid="stException"]')
    if boxes.count():
        raise AssertionError(f"exception box on {page.url}: {boxes.first.inner_text()[:800]}")


def go(page, link: str) -> None:
    page.get_by_role("link", name=link).click()
    settle(page)
    no_exception(page)


def screenshot(page, name: str, folder: Path) -> Path:
    path = Path(SCREENSHOT_DIR) / f"{name}.png" if SCREENSHOT_DIR else folder / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=False)
    return path


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the select box labelled `label` (Streamlit's combobox)."""
    _open(page.get_by_role("combobox", name=label).first)
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)
    no_exception(page)


def choose_nth(page, label: str, index: int) -> str:
    """Pick the `index`-th option of the select box labelled `label`; returns its text."""
    _open(page.get_by_role("combobox", name=label).first)
    option = page.get_by_role("option").nth(index)
    text = option.inner_text()
    option.click()
    settle(page)
    no_exception(page)
    return text


def _open(combobox) -> None:
    """Open a select box's list (a click can land while the page is still settling: ArrowDown opens
    it then; a box Streamlit replaces while it is being scrolled to is found again once the run ends)."""
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(3):
        try:
            combobox.scroll_into_view_if_needed()
            break
        except PlaywrightError:  # "Element is not attached to the DOM": re-rendered under us
            if attempt == 2:
                raise
            settle(combobox.page)
    combobox.click()
    combobox.page.wait_for_timeout(300)
    if combobox.get_attribute("aria-expanded") != "true":
        combobox.press("ArrowDown")
        combobox.page.wait_for_timeout(300)


def in_table(page, text: str) -> None:
    """Wait until a table holds a cell with `text` (the grid's cells are drawn on a canvas; their
    accessible copies are attached but not "visible")."""
    page.locator('[data-testid="stDataFrame"]').get_by_text(text).first.wait_for(state="attached")


def choose_study(page, name: str) -> None:
    """Choose the study whose label starts with `name` (e.g. "1 · demo") in the sidebar."""
    _open(page.get_by_role("combobox", name="调查项目"))
    page.get_by_role("option").filter(has_text=name).first.click()
    settle(page)
    no_exception(page)


def replaced_text(locator) -> tuple[str, str]:
    """(font size, ::after content) of an element whose own text a style sheet replaced."""
    size, content = locator.evaluate(
        "e => [getComputedStyle(e).fontSize, getComputedStyle(e, '::after').content]"
    )
    return size, content
