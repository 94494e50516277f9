"""The posterior worker (`services.posterior_worker`) is started when a reviewer or an auditor signs in,
so that their first analysis, report build or verification does not wait for it, and for nobody else."""

from __future__ import annotations

import pytest

from survey_app.services import posterior_worker
from tests.app.conftest import log_in

pytestmark = pytest.mark.db


@pytest.mark.parametrize(("role", "warmed"), [("reviewer", 1), ("auditor", 1), ("surveyor", 0)])
def test_the_worker_is_started_at_sign_in_for_the_roles_that_run_the_posterior_models(
    study, monkeypatch, role, warmed
):
    started = []
    monkeypatch.setattr(posterior_worker, "warm", lambda: started.append(role))
    app = log_in(role)
    assert not app.exception
    assert len(started) == warmed
