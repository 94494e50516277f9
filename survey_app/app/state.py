"""Session helpers: the database handle, who is logged in, the language, one DB session per action.

Streamlit keeps `st.session_state` per browser tab and loses it on reload, so it holds only the
login (user id), the language and the chosen study — never answers or positions, which live in the
database. Every action opens its own short database session and re-reads the acting user there, so
a user deactivated a minute ago cannot act, whatever the menu still shows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

import streamlit as st
from sqlalchemy.orm import Session

from survey_app.app.i18n import DEFAULT_LANGUAGE, t
from survey_app.config import database_url
from survey_app.services import auth, sessions
from survey_app.services.errors import HuifangError, PermissionDenied
from survey_app.storage import Database, open_database, upgrade
from survey_app.storage.models import Study, User

USER_KEY = "huifang_user"
LANG_KEY = "lang"
LANG_WIDGET = "lang_select"
STUDY_KEY = "study_id"


@dataclass(frozen=True)
class Login:
    """What the tab remembers of its user; the role is re-checked against the database on every action,
    and so is the organisation a responsible office answers for (a move ends the tab's login at once)."""

    user_id: int
    username: str
    display_name: str
    role: str
    organisation_id: str | None = None
    #: the user's session generation at login: a logout elsewhere raises it and ends this tab's login too
    session_generation: int = 0


@st.cache_resource(show_spinner=False)
def _database(url: str) -> Database:
    from survey_app.services.do_not_call import seal_plain_lists

    db = open_database(url)
    upgrade(db)  # one query when the schema is already at the head (`storage.migrate.at_head`)
    seal_plain_lists(db)  # an older release's do-not-call list in clear becomes keyed hashes
    return db


def database() -> Database:
    """The app's database (opened and migrated once per process and URL); the retention check runs at
    the first action and then at least hourly while the server runs (`retention.purge_when_due`:
    audited, nothing to do on most days)."""
    from survey_app.services.retention import purge_when_due

    db = _database(database_url())
    purge_when_due(db)
    return db


def lang() -> str:
    """The tab's language: the switch's value when it has just changed, else the remembered one."""
    return st.session_state.get(LANG_WIDGET) or st.session_state.get(LANG_KEY, DEFAULT_LANGUAGE)


def tr(key: str, **values: object) -> str:
    """`i18n.t` in the language chosen in this tab.

    Call it while the page renders, never later: a widget's `format_func` gets a dict's `__getitem__`
    of labels made now, not a function that calls `tr` when Streamlit (or AppTest) formats a value.
    """
    return t(key, lang(), **values)


TOKEN_PARAM = "s"
TOKEN_KEY = "huifang_token"
EXPIRED_KEY = "huifang_session_expired"


def login() -> Login | None:
    return st.session_state.get(USER_KEY)


def remember(user: User, token: str | None = None) -> None:
    """Log the tab in and put a signed session token in the address, so a reload keeps the login."""
    st.session_state[USER_KEY] = Login(
        user.id,
        user.username,
        user.display_name,
        user.role,
        user.organisation_id,
        user.session_generation or 0,
    )
    st.session_state[TOKEN_KEY] = token or sessions.issue(user)
    keep_token()


def keep_token() -> None:
    """Put the tab's token back in the address (a change of page clears the address's parameters)."""
    token = st.session_state.get(TOKEN_KEY)
    if token and st.query_params.get(TOKEN_PARAM) != token:
        st.query_params[TOKEN_PARAM] = token


def resume() -> Login | None:
    """After a reload: the login the address's token proves (checked on the server), or None."""
    current = login()
    if current is not None:
        return current
    token = st.query_params.get(TOKEN_PARAM)
    if not token:
        return None
    resumed = sessions.resume(database(), token)
    if resumed is None:
        del st.query_params[TOKEN_PARAM]
        st.session_state[EXPIRED_KEY] = True
        return None
    remember(resumed.user, token)
    return login()


def log_out() -> None:
    """The logout button: revoke every token of the user (`sessions.end`), then forget the tab's login."""
    current = login()
    if current is not None:
        sessions.end(database(), current.user_id)
    forget()


def forget() -> None:
    for key in list(st.session_state.keys()):
        if key not in (LANG_KEY,):
            del st.session_state[key]
    if TOKEN_PARAM in st.query_params:
        del st.query_params[TOKEN_PARAM]


def client() -> str | None:
    """Who is knocking, for throttling per client (kept only as a keyed hash): the peer's address, or
    behind a trusted proxy (`HUIFANG_TRUSTED_PROXIES`) the right-most untrusted X-Forwarded-For entry
    (`security.client_address`); None without a request (AppTest)."""
    from survey_app import config
    from survey_app.security.client_address import client_address, parse_trusted

    try:
        headers = st.context.headers
        peer = st.context.ip_address
    except Exception:
        return None
    if not headers:
        return None
    try:
        trusted = parse_trusted(config.trusted_proxies_text())
    except ValueError:  # the launchers refuse it in one sentence; here: believe no proxy
        trusted = []
    # Streamlit gives no address for a loopback peer (a local browser, or the local nginx)
    return "ip:" + client_address(peer or "127.0.0.1", headers.get_all("X-Forwarded-For"), trusted)


def actor(session: Session) -> User:
    """The logged-in user, read again in this session; PermissionDenied when gone or deactivated, or
    when moved to another organisation since logging in (the signed token ends with the move too)."""
    current = login()
    if current is None:
        raise PermissionDenied(tr("app.session_ended"))
    user = session.get(User, current.user_id)
    if user is None or not user.active:
        raise PermissionDenied(tr("app.session_ended"))
    if (user.session_generation or 0) != current.session_generation:
        raise PermissionDenied(tr("app.logged_out_elsewhere"))  # the logout revoked this tab's login too
    if user.organisation_id != current.organisation_id:
        raise PermissionDenied(tr("app.organisation_changed"))
    return user


def error_text(exc: HuifangError) -> str:
    """A service's error in the tab's language (its Chinese sentence when it has one)."""
    return exc.text(lang())


@contextlib.contextmanager
def action() -> Iterator[Session]:
    """One database session for one action; a HuifangError becomes a message, and the work rolls back."""
    try:
        with database().session() as session:
            yield session
    except HuifangError as exc:
        st.error(error_text(exc))


@contextlib.contextmanager
def reading() -> Iterator[Session]:
    """One read-only database session (`Database.reading()`: a snapshot, no write lock) to read what a
    page shows; on a HuifangError the page stops with the message. Anything audited goes in `action()`."""
    try:
        with database().reading() as session:
            yield session
    except HuifangError as exc:
        st.error(error_text(exc))
        st.stop()


def guard(*roles: str) -> Login:
    """Stop the page unless the logged-in user (as the database knows them now) has one of `roles`."""
    try:
        with database().reading() as session:
            user = actor(session)
            auth.require(user, *roles)
    except HuifangError as exc:
        st.error(error_text(exc))
        st.stop()
    current = login()
    assert current is not None
    return current


def study(session: Session) -> Study | None:
    """The study chosen in the sidebar, read in this session."""
    study_id = st.session_state.get(STUDY_KEY)
    return session.get(Study, study_id) if study_id is not None else None


def require_study(session: Session) -> Study:
    chosen = study(session)
    if chosen is None:
        st.info(tr("app.choose_study"))
        st.stop()
    return chosen


STUDY_SWITCH = "study_switch"
STUDY_WIDGET = "study_select"


def switch_study(study_id: int) -> None:
    """Make `study_id` the chosen study from the next run on (a page just created it): the sidebar's
    select box, drawn before the page, takes it over then (its value cannot change once drawn)."""
    st.session_state[STUDY_KEY] = study_id
    st.session_state[STUDY_SWITCH] = study_id


FLASH_KEY = "flash"


FLASH_WARNING_KEY = "flash_warning"


def flash(message: str, warning: str | None = None) -> None:
    """A success message (and a `warning` beside it) to show after the next rerun (call `st.rerun()`
    after the action's block)."""
    st.session_state[FLASH_KEY] = message
    if warning:
        st.session_state[FLASH_WARNING_KEY] = warning


def show_flash() -> None:
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message)
    warning = st.session_state.pop(FLASH_WARNING_KEY, None)
    if warning:
        st.warning(warning)
