"""Run one service call in its own short session, as the app does for every action."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from survey_app.storage import Database
from survey_app.storage.models import Study


def act(db: Database, service: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with db.session() as session:
        return service(session, *args, **kwargs)


def act_on_study(db: Database, service: Callable[..., Any], actor: Any, study_id: int, **kwargs: Any) -> Any:
    """For services that take the Study object: load it in the same session."""
    with db.session() as session:
        return service(session, actor, session.get(Study, study_id), **kwargs)
