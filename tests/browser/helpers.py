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
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.get_by_role("button", name=name).click()
    except PlaywrightTimeout as exc:
        raise AssertionError(f"No button {name!r} appeared; the page showed:\n{_shown(page)}") from exc
    settle(page)


def _shown(page) -> str:
    """What the page shows, for a failure message."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        return page.locator("body").inner_text(timeout=5000)[:2000]
    except PlaywrightError:
        return "(the page did not answer either)"


#: How long a case may take to open after "下一个个案" before the click is taken as lost.
CASE_OPENS_MS = 20_000


def next_case(page, attempts: int = 3) -> None:
    """Ask the queue for the next case and wait until it opens (its "开始 / 继续访问" button).

    Why not `click` alone: twice in fresh-clone checks (stops 37 and 38, two tests) the case never
    opened after the click, while each test passes alone. A click that lands while the page re-runs
    can be lost; then the button is clicked again, as a surveyor would, and a warning in the run's
    summary says so. Asking again never holds a second case (`fieldwork.next_case` gives back the
    one held). A queue that opens nothing in `attempts` clicks fails with what the page showed."""
    import warnings

    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    opened = page.get_by_role("button", name="开始 / 继续访问")
    for attempt in range(1, attempts + 1):
        click(page, "下一个个案")
        try:
            opened.wait_for(timeout=CASE_OPENS_MS)
        except PlaywrightTimeout:
            continue
        if attempt > 1:
            warnings.warn(f"the case opened only at click {attempt} on '下一个个案'", stacklevel=2)
        return
    raise AssertionError(
        f"No case opened after {attempts} clicks on '下一个个案'; the page showed:\n{_shown(page)}"
    )


def log_in(page, username: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password(username))
    click(page, "登录")
