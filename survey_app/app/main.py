"""Huifang's Streamlit app: login, language, study choice and role-based navigation.

Run with `huifang app` or `streamlit run survey_app/app/main.py`. The database comes from
`HUIFANG_DATABASE_URL` (default `./huifang.db`). The menu shows a user only their role's pages
(DESIGN.md §2); every page checks the role again on the server side, through the services.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

if __package__ in (None, ""):  # `streamlit run path/main.py` runs this file as a script
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import survey_app.pinned  # noqa: F401  before anything loads numpy (`numeric_platform`)
from survey_app.app import state, streamlit_texts
from survey_app.app.i18n import LANGUAGES
from survey_app.app.state import tr
from survey_app.services import auth, posterior_worker, studies
from survey_app.services.errors import AuthenticationFailed, HuifangError

LANGUAGE_LABEL = "语言 / Language"  # the same in both languages, so switching keeps the widget
PAGES_DIR = Path(__file__).parent / "pages"
RESPOND_PARAM = "r"  # = services.web_invites.TOKEN_PARAM (not imported: the login page stays light)

#: role → its pages: (file under pages/, title key, url path). Order is the menu's order.
ROLE_PAGES: dict[str, list[tuple[str, str, str]]] = {
    "researcher": [
        ("studies.py", "page.studies", "studies"),
        ("frames.py", "page.frames", "frames"),
        ("sample.py", "page.sample", "sample"),
        ("designer.py", "page.designer", "designer"),
        ("coding.py", "coding.page", "coding"),
    ],
    "surveyor": [
        ("queue.py", "page.queue", "queue"),
        ("interview.py", "page.interview", "interview"),
    ],
    "supervisor": [
        ("progress.py", "page.progress", "progress"),
        ("recordings.py", "recording.page", "recordings"),
        ("referrals.py", "referral.page", "referrals"),
    ],
    "reviewer": [("comparison.py", "page.comparison", "comparison")],
    "auditor": [("reports.py", "page.reports", "reports")],
    "admin": [("users.py", "page.users", "users")],
    "remediation": [("referrals.py", "referral.page", "referrals")],
}

#: The roles whose menu holds a page that runs the posterior unit models (the comparison; the reports,
#: whose build and verification rebuild them), for whom the posterior worker is started at sign-in.
POSTERIOR_ROLES = tuple(
    role for role, pages in ROLE_PAGES.items() if any(p[0] in ("comparison.py", "reports.py") for p in pages)
)


def _proxy_sign_in() -> bool:
    """Sign in the user an authenticating reverse proxy names in its header (off unless configured)."""
    from survey_app.config import trusted_user_header

    header = trusted_user_header()
    if header is None:
        return False
    try:
        name = st.context.headers.get(header)
    except Exception:  # no request context (AppTest)
        return False
    if not name:
        return False
    try:
        user = auth.login_trusted(state.database(), name, via=header, client=state.client())
    except AuthenticationFailed as exc:
        st.error(state.error_text(exc))
        return True
    state.remember(user)
    st.rerun()
    return True


def _login_page() -> None:
    st.title(tr("app.title"))
    st.caption(tr("login.intro"))
    if st.session_state.pop(state.EXPIRED_KEY, False):
        st.info(tr("login.expired"))
    if _proxy_sign_in():
        return
    with st.form("login"):
        username = st.text_input(tr("login.username"), key="login_username")
        password = st.text_input(tr("login.password"), type="password", key="login_password")
        submitted = st.form_submit_button(tr("login.submit"))
    if submitted:
        try:
            user = auth.login(state.database(), username.strip(), password, client=state.client())
        except auth.LoginThrottled as exc:
            st.error(state.error_text(exc))
        except AuthenticationFailed:
            st.error(tr("login.failed"))
        else:
            state.remember(user)
            st.rerun()


def _no_pages_page() -> None:
    current = state.login()
    st.error(tr("app.no_pages", role=current.role if current else "?"))


def _sidebar(current: state.Login) -> None:
    with st.sidebar:
        role_label = auth.ROLE_LABELS.get(current.role, {}).get(state.lang(), current.role)
        st.caption(tr("app.signed_in_as", name=current.display_name, role=role_label))
        with state.database().reading() as session:
            found = [(s.id, s.name, s.state) for s in studies.list_studies(session)]
        listed = [(i, f"{i} · {name}（{studies.state_label(st_, state.lang())}）") for i, name, st_ in found]
        if listed:
            ids = [study_id for study_id, _ in listed]
            labels = dict(listed)
            chosen = st.session_state.get(state.STUDY_KEY)
            if chosen not in ids:
                # a surveyor (and everyone else) starts on the study being worked; else the newest
                fieldwork = [i for i, _, st_ in found if st_ == "fieldwork"]
                chosen = (fieldwork or ids)[-1]
            switched = st.session_state.pop(state.STUDY_SWITCH, None)
            if switched in ids:
                st.session_state[state.STUDY_WIDGET] = switched
            st.session_state[state.STUDY_KEY] = st.selectbox(
                tr("app.study"),
                ids,
                index=ids.index(chosen),
                format_func=labels.__getitem__,
                key="study_select",
            )
        else:
            st.caption(tr("app.no_studies"))
        if st.button(tr("app.logout"), key="logout"):
            state.log_out()  # revokes the token: a copy of the address no longer logs in
            st.rerun()


def _pages_for(role: str) -> list[st.Page]:
    # url paths differ from the file names on purpose: a path equal to a file's stem in pages/ would
    # let Streamlit run that file directly, without this script's login and sidebar
    return [
        st.Page(str(PAGES_DIR / filename), title=tr(title), url_path=f"{role}-{url}")
        for filename, title, url in ROLE_PAGES.get(role, [])
    ]


def _login_pages() -> list[st.Page]:
    """The login form, also under every page's address: a reload (which ends the tab's session) of
    /surveyor-interview shows the login instead of "page not found", then lands on that page again."""
    title = tr("login.title")
    aliases = [
        st.Page(_login_page, title=title, url_path=f"{role}-{url}")
        for role, pages in ROLE_PAGES.items()
        for _, _, url in pages
    ]
    return [st.Page(_login_page, title=title, url_path="login", default=True), *aliases]


def _language_switch() -> None:
    with st.sidebar:
        codes = list(LANGUAGES)
        st.session_state[state.LANG_KEY] = st.selectbox(
            LANGUAGE_LABEL,
            codes,
            index=codes.index(state.lang()),
            format_func=LANGUAGES.__getitem__,
            key=state.LANG_WIDGET,
        )


def main() -> None:
    st.set_page_config(page_title="Huifang 回访", layout="wide")
    try:
        db = state.database()
    except HuifangError as exc:
        st.error(tr("app.database_error", error=exc))
        st.stop()
    if st.query_params.get(RESPOND_PARAM):  # a respondent's one-time link: no login (pages/respond.py)
        respond = st.Page(
            str(PAGES_DIR / "respond.py"), title=tr("web.title"), url_path="web-respond", default=True
        )
        st.navigation([respond], position="hidden").run()
        return
    current = state.resume()
    if current is None:
        page = st.navigation(_login_pages(), position="hidden")
    else:
        pages = _pages_for(current.role) or [
            st.Page(_no_pages_page, title=tr("page.no_role"), url_path="no-pages")
        ]
        page = st.navigation(pages)
    # Widgets come after st.navigation: their identity includes the page, which is settled only now
    # (before it, the first run after login would give the sidebar's buttons an identity that the
    # next run does not recognise, and a click on them would be lost).
    _language_switch()
    streamlit_texts.localise()
    if current is not None:
        state.keep_token()
        if current.role in POSTERIOR_ROLES:  # the posterior worker, started before it is needed
            posterior_worker.warm()
        if current.role == "admin":  # where the data lives is the administrator's business only
            where = (
                db.description.replace("SQLite file", "SQLite 文件").replace(" database ", " 数据库 ")
                if state.lang() == "zh"
                else db.description
            )
            st.sidebar.caption(tr("app.database", where=where))
        _sidebar(current)
    page.run()


# Streamlit runs this script as __main__. A process that multiprocessing starts from here (the
# comparison's posterior worker) imports it again as __mp_main__, and must not run the app in there.
if __name__ == "__main__":
    main()
