"""Users, roles and the checks every service runs before it acts.

Roles follow DESIGN.md §2. The checks live here, on the server side of every action, not only in the
navigation: a page that forgets to hide a button still cannot do what its user's role forbids.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.security import audit
from survey_app.security.passwords import hash_password, needs_rehash, verify_password
from survey_app.services.errors import AuthenticationFailed, InvalidState, NotFound, PermissionDenied
from survey_app.storage.db import Database
from survey_app.storage.models import ROLES, User

ROLE_LABELS: dict[str, dict[str, str]] = {
    "researcher": {"zh": "研究员", "en": "Researcher"},
    "surveyor": {"zh": "访员", "en": "Surveyor"},
    "supervisor": {"zh": "督导", "en": "Supervisor"},
    "reviewer": {"zh": "人事处审阅", "en": "Reviewer (personnel office)"},
    "auditor": {"zh": "审计", "en": "Auditor"},
    "admin": {"zh": "管理员", "en": "Administrator"},
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
) -> User:
    """Create a user. `actor` None is reserved for bootstrap (the first admin, the demo)."""
    if actor is not None:
        require(actor, "admin")
    if role not in ROLES:
        raise InvalidState(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise InvalidState(f"A user named {username!r} exists already.", zh=f"用户名“{username}”已被使用。")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        password_hash=hash_password(password),
        surveyor_no=surveyor_no,
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
    )
    return user


def login(db: Database, username: str, password: str) -> User:
    """The user for these credentials, detached from any session.

    The same message for an unknown name and a wrong password; the failed attempt is still logged.
    """
    with db.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        ok = user is not None and user.active and verify_password(user.password_hash, password)
        if not ok:
            audit.record(session, username[:64] or "?", "login.failed", entity="user")
        else:
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            audit.record(session, user.username, "login", entity="user", entity_id=user.id)
    if not ok:
        raise AuthenticationFailed("Wrong user name or password. / 用户名或密码错误。")
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


def reset_password(session: Session, actor: User, user_id: int, password: str) -> None:
    require(actor, "admin")
    user = get_user(session, user_id)
    user.password_hash = hash_password(password)
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
