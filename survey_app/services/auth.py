"""Users, roles and the checks every service runs before it acts.

Roles follow DESIGN.md §2. The checks live here, on the server side of every action, not only in the
navigation: a page that forgets to hide a button still cannot do what its user's role forbids.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.security import audit
from survey_app.security.passwords import (
    PasswordPolicyError,
    check_password,
    hash_password,
    needs_rehash,
    password_problem,
    rehash,
    username_problem,
    verify_password,
)
from survey_app.services import throttle
from survey_app.services.errors import AuthenticationFailed, InvalidState, NotFound, PermissionDenied
from survey_app.storage.db import Database
from survey_app.storage.models import ROLES, User, utcnow


class WeakPassword(InvalidState):
    """A password the policy refuses (`security.passwords`); `code` says why, for the app's own words."""

    def __init__(self, error: PasswordPolicyError) -> None:
        english, _, chinese = str(error).partition(" / ")
        super().__init__(english, zh=chinese or None)
        self.code = error.code


class LoginThrottled(AuthenticationFailed):
    """Too many failed logins for this name or from this client: refused until the lock ends."""

    def __init__(self, until: dt.datetime, now: dt.datetime) -> None:
        minutes = max(1, -(-int((until - now).total_seconds()) // 60))
        super().__init__(
            f"Too many failed logins; try again in {minutes} minute(s).",
            zh=f"登录失败次数过多，请 {minutes} 分钟后再试。",
        )
        self.until = until


def checked_password(password: str, username: str | None = None) -> str:
    """`password` if the policy accepts it (WeakPassword otherwise)."""
    try:
        check_password(password, username)
    except PasswordPolicyError as error:
        raise WeakPassword(error) from None
    return password


def password_issue(password: str, username: str | None = None) -> str | None:
    """The policy's objection code (short, long, common, username, repeated) or None: for forms."""
    return password_problem(password, username)


def password_advice(code: str, lang: str) -> str:
    """The policy's sentence for an objection code, in `lang` ("zh" or "en")."""
    from survey_app.security.passwords import PROBLEMS

    english, _, chinese = PROBLEMS[code].partition(" / ")
    return chinese if lang == "zh" and chinese else english


#: The system account web self-completion answers are stored under (`services.web_invites`): inactive,
#: with a password hash no password matches. An admin may not reactivate it, give it a password or
#: create a user of that name: whoever could log in as it could write answers as "the respondent".
WEB_SYSTEM_USERNAME = "web-self-completion"
SYSTEM_USERNAMES: frozenset[str] = frozenset({WEB_SYSTEM_USERNAME})


def refuse_system_account(username: str) -> None:
    """InvalidState, in one sentence, when `username` is a system account (no admin may change it)."""
    if username in SYSTEM_USERNAMES:
        raise InvalidState(
            f"{username} is the system account web self-completion answers are stored under; it cannot "
            "be activated, created, given a password or changed.",
            zh=f"{username} 是网上自填答案所记的系统账号，不能启用、新建、设置密码或修改。",
        )


def check_username(username: str) -> str:
    """`username` if it may be a user name (InvalidState naming the problem otherwise)."""
    problem = username_problem(username)
    if problem is not None:
        english, _, chinese = problem.partition(" / ")
        raise InvalidState(english, zh=chinese or None)
    return username


ROLE_LABELS: dict[str, dict[str, str]] = {
    "researcher": {"zh": "研究员", "en": "Researcher"},
    "surveyor": {"zh": "访员", "en": "Surveyor"},
    "supervisor": {"zh": "督导", "en": "Supervisor"},
    "reviewer": {"zh": "人事处审阅", "en": "Reviewer (personnel office)"},
    "auditor": {"zh": "审计", "en": "Auditor"},
    "admin": {"zh": "管理员", "en": "Administrator"},
    "remediation": {"zh": "整改责任单位", "en": "Responsible office (remediation)"},
}


def require(actor: User, *roles: str) -> None:
    """Raise PermissionDenied unless the actor is active and has one of `roles`."""
    if not actor.active:
        raise PermissionDenied(f"User {actor.username} is deactivated.", zh=f"用户 {actor.username} 已停用。")
    if actor.role not in roles:
        allowed = ", ".join(roles)
        raise PermissionDenied(
            f"This action needs the role {allowed}; {actor.username} is a {actor.role}.",
            zh=f"此操作需要以下角色之一：{'、'.join(ROLE_LABELS[r]['zh'] for r in roles if r in ROLE_LABELS)}；"
            f"{actor.username} 的角色是{ROLE_LABELS.get(actor.role, {}).get('zh', actor.role)}。",
        )


def create_user(
    session: Session,
    actor: User | None,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    surveyor_no: str | None = None,
    organisation_id: str | None = None,
) -> User:
    """Create a user. `actor` None is reserved for bootstrap (the first admin, the demo).

    A `remediation` user (整改责任单位) needs the `organisation_id` whose referrals they follow up;
    the other roles have none.
    """
    if actor is not None:
        require(actor, "admin")
    if role not in ROLES:
        raise InvalidState(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    check_username(username)
    refuse_system_account(username)
    checked_password(password, username)
    organisation_id = ((organisation_id or "").strip() or None) if role == "remediation" else None
    if role == "remediation" and organisation_id is None:
        raise InvalidState(
            "A remediation user needs the organisation (organisation_id) whose referrals they follow up.",
            zh="整改责任单位用户必须指定所属机构编号。",
        )
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise InvalidState(f"A user named {username!r} exists already.", zh=f"用户名“{username}”已被使用。")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        password_hash=hash_password(password),
        surveyor_no=surveyor_no,
        organisation_id=organisation_id,
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor.username if actor else "system",
        "user.created",
        entity="user",
        entity_id=user.id,
        username=username,
        role=role,
        **({"organisation_id": organisation_id} if organisation_id else {}),
    )
    return user


def login(
    db: Database, username: str, password: str, *, client: str | None = None, now: dt.datetime | None = None
) -> User:
    """The user for these credentials, detached from any session.

    The same message for an unknown name and a wrong password. Failures are counted per name and per
    `client` (an IP address, or "cli@host") and lock both with a doubling back-off (`throttle`); while
    locked, the password is not even checked. Every attempt is audited, but never with the name as
    typed unless it is an existing user's: an unknown name is recorded as a keyed hash only (people
    type their password into the name field).
    """
    now = now or utcnow()
    name_key = throttle.name_key(username)
    keys = [name_key] + ([throttle.client_key(client)] if client else [])
    with db.session() as session:
        user = session.scalar(select(User).where(User.username == username)) if len(username) <= 64 else None
        who = user.username if user is not None else "unknown"
        trace = {} if user is not None else {"name_hash": name_key[5:21]}
        if client:
            trace["client_hash"] = keys[1][7:23]
        locked = throttle.locked_until(session, keys, now)
        if locked is not None:
            audit.record(
                session,
                who,
                "login.throttled",
                entity="user",
                entity_id=user.id if user else None,
                locked_until=locked.isoformat(timespec="seconds"),
                **trace,
            )
        else:
            ok = user is not None and user.active and verify_password(user.password_hash, password)
            if ok:
                throttle.clear(session, name_key)
                if needs_rehash(user.password_hash):
                    user.password_hash = rehash(password)
                audit.record(session, user.username, "login", entity="user", entity_id=user.id)
            else:
                by_name = throttle.record_failure(session, name_key, throttle.USER_FREE, now)
                by_client = (
                    throttle.record_failure(session, keys[1], throttle.CLIENT_FREE, now) if client else None
                )
                until = max(
                    (f.locked_until for f in (by_name, by_client) if f and f.locked_until), default=None
                )
                audit.record(
                    session,
                    who,
                    "login.failed",
                    entity="user",
                    entity_id=user.id if user else None,
                    failures=by_name.failures,
                    locked_until=until.isoformat(timespec="seconds") if until else None,
                    **trace,
                )
    if locked is not None:
        raise LoginThrottled(locked, now)
    if not ok:
        raise AuthenticationFailed(
            "Wrong user name or password. / 用户名或密码错误。", zh="用户名或密码错误。"
        )
    return user


def login_trusted(db: Database, username: str, *, via: str, client: str | None = None) -> User:
    """The active user an authenticating reverse proxy vouches for (header `via`); audited as
    `login.proxy`. An unknown or deactivated name is refused like a failed login (name kept hashed)."""
    with db.session() as session:
        user = session.scalar(select(User).where(User.username == username)) if len(username) <= 64 else None
        ok = user is not None and user.active
        if ok:
            audit.record(session, user.username, "login.proxy", entity="user", entity_id=user.id, header=via)
        else:
            audit.record(
                session,
                user.username if user else "unknown",
                "login.failed",
                entity="user",
                entity_id=user.id if user else None,
                header=via,
                **({} if user else {"name_hash": throttle.name_key(username)[5:21]}),
            )
    if not ok:
        raise AuthenticationFailed(
            f"The proxy signed in {'an unknown' if user is None else 'a deactivated'} user; ask an admin.",
            zh="代理服务器登录的用户不存在或已停用，请联系管理员。",
        )
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    return user


def list_users(session: Session, actor: User) -> list[User]:
    require(actor, "admin")
    return list(session.scalars(select(User).order_by(User.id)))


def set_active(session: Session, actor: User, user_id: int, active: bool) -> User:
    require(actor, "admin")
    user = get_user(session, user_id)
    refuse_system_account(user.username)
    if user.id == actor.id and not active:
        raise InvalidState("You cannot deactivate yourself.")
    user.active = active
    audit.record(
        session,
        actor.username,
        "user.activated" if active else "user.deactivated",
        entity="user",
        entity_id=user.id,
    )
    return user


def move_organisation(session: Session, actor: User, user_id: int, organisation_id: str) -> User:
    """Bind a responsible office (`remediation`) to another organisation; audited with before and after.
    Its session tokens end with the move (`sessions` signs the organisation), so from its next action
    on it sees only the new organisation's referrals."""
    require(actor, "admin")
    user = get_user(session, user_id)
    if user.role != "remediation":
        raise InvalidState(
            f"{user.username} is not a responsible office (remediation); only those have an organisation.",
            zh=f"{user.username} 不是整改责任单位用户，只有整改责任单位用户绑定机构。",
        )
    after = (organisation_id or "").strip()
    if not after:
        raise InvalidState(
            "A remediation user needs the organisation (organisation_id) whose referrals they follow up.",
            zh="整改责任单位用户必须指定所属机构编号。",
        )
    before, user.organisation_id = user.organisation_id, after
    if before != after:
        audit.record(
            session,
            actor.username,
            "user.organisation_changed",
            entity="user",
            entity_id=user.id,
            before=before,
            after=after,
        )
    return user


def reset_password(session: Session, actor: User, user_id: int, password: str) -> None:
    require(actor, "admin")
    user = get_user(session, user_id)
    refuse_system_account(user.username)
    user.password_hash = hash_password(checked_password(password, user.username))
    audit.record(session, actor.username, "user.password_reset", entity="user", entity_id=user.id)


def active_surveyors(session: Session, actor: User) -> list[tuple[int, str]]:
    """(id, user name) of every active surveyor: what a supervisor picks from when reassigning."""
    require(actor, "supervisor", "admin")
    rows = session.execute(
        select(User.id, User.username)
        .where(User.role == "surveyor", User.active.is_(True))
        .order_by(User.username)
    )
    return [(user_id, name) for user_id, name in rows.all()]
