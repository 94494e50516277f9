"""Small steps the browser tests share: wait for a script run to finish, click, log in."""

from __future__ import annotations

from tests.app.builders import password


def settle(page) -> None:
    """Wait until the script run that the last action started has finished (as Streamlit's own e2e
    tests do): a click made while a run is still going can land on an element about to be replaced."""
    page.wait_for_timeout(200)
    page.locator('[data-test-script-state="running"]').wait_for(state="detached")


def click(page, name: str) -> None:
    """Click the button `name` and wait for the run it starts. A button that never appears fails with
    what the page showed instead (an error message, another page): a timeout alone says nothing of why
    (stop 37: one such timeout in a fresh-clone check, not seen again)."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.get_by_role("button", name=name).click()
    except PlaywrightTimeout as exc:
        try:
            shown = page.locator("body").inner_text(timeout=5000)[:2000]
        except PlaywrightError:
            shown = "(the page did not answer either)"
        raise AssertionError(f"No button {name!r} appeared; the page showed:\n{shown}") from exc
    settle(page)


def log_in(page, username: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password(username))
    click(page, "登录")
