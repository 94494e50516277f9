"""The do-not-call list is kept as keyed hashes: the draw and its re-draw leave those people out, and a
list an older release stored in clear is replaced at the next start with its draws still verifying."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from sampling.exclusions import list_sha256
from survey_app.security import fieldcrypto
from survey_app.services import do_not_call, frames, samples, studies
from survey_app.services.errors import InvalidState
from survey_app.storage.models import AuditEntry, Case, Exclusion, FrameRecord, Study
from tests.app.builders import write_frame_csv

pytestmark = pytest.mark.db

ALL = {"strata": ["domain"], "n": 20, "method": "proportional", "seed": 8, "unit": "event", "reserve": 0.0}


@pytest.fixture
def study(db, users, tmp_path):
    """A study in design with a 24-row frame; returns its id and the frame's numbers."""
    path = tmp_path / "export.csv"
    phones = write_frame_csv(path)
    with db.session() as session:
        made = studies.create_study(session, users["researcher"], "dnc", "dnc")
        frames.import_frame(session, users["researcher"], made, path)
        return made.id, phones


def _drawn(session, design) -> tuple[set[str], dict[str, str]]:
    drawn = set(
        session.scalars(
            select(FrameRecord.record_id)
            .join(Case, Case.frame_record_id == FrameRecord.id)
            .where(Case.design_id == design.id)
        )
    )
    left_out = dict(
        session.execute(
            select(Exclusion.record_id, Exclusion.reason).where(Exclusion.design_id == design.id)
        ).all()
    )
    return drawn, left_out


def test_the_settings_hold_keyed_hashes_and_the_count_never_the_numbers(db, users, study):
    study_id, phones = study
    typed = [f"+86 {phones[0][:3]}-{phones[0][3:7]}-{phones[0][7:]}", phones[1], phones[1], ""]
    with db.session() as session:
        kept = studies.set_do_not_call(session, users["researcher"], session.get(Study, study_id), typed)
        settings = session.get(Study, study_id).settings
        audited = session.scalars(select(AuditEntry).where(AuditEntry.action == "study.do_not_call")).one()
    assert kept == 2 and settings[do_not_call.COUNT] == 2
    assert settings[do_not_call.KEYS] == sorted(fieldcrypto.person_keys(phones[:2]))
    assert do_not_call.PLAIN not in settings
    text = json.dumps(settings) + audited.details
    assert phones[0] not in text and phones[1] not in text


def test_the_draw_leaves_out_the_listed_people_and_the_re_draw_is_identical(db, users, study):
    _, phones = study
    with db.session() as session:
        record = studies.find_study(session, "dnc")
        studies.set_do_not_call(session, users["researcher"], record, [phones[0], f"{phones[5]} "])
        design = samples.draw_sample(session, users["researcher"], record, ALL)
        drawn, left_out = _drawn(session, design)
        ok, message = samples.verify_sample(session, record)
    assert left_out == {"R00000": "do_not_call", "R00005": "do_not_call"}
    assert not {"R00000", "R00005"} & drawn
    assert ok and "differ" not in message, message
    assert design.params["sampling"]["exclusions"]["do_not_call_count"] == 2


def test_a_line_that_is_no_number_is_refused_naming_its_line_and_nothing_changes(db, users, study):
    study_id, phones = study
    with db.session() as session:
        record = session.get(Study, study_id)
        with pytest.raises(InvalidState, match="line 2") as refused:
            studies.set_do_not_call(session, users["researcher"], record, [phones[0], "call me maybe"])
        assert do_not_call.KEYS not in (record.settings or {})
    assert "第 2 行" in refused.value.zh


def test_an_uploaded_file_gives_one_number_a_line_first_field_of_a_csv_without_its_header():
    data = "号码,备注\n13800130001,拒访\n\n".encode("gb18030")
    assert do_not_call.normalised(do_not_call.file_lines(data)) == ["13800130001"]


def test_the_confirmation_shows_the_numbers_masked():
    shown = do_not_call.masked(["13800130001", "138-0013-0002"])
    assert shown == "138****0001、138****0002"


def test_an_older_releases_plain_list_is_replaced_at_start_and_its_draw_still_verifies(db, users, study):
    study_id, phones = study
    with db.session() as session:  # what an older release stored: the numbers as typed
        record = session.get(Study, study_id)
        record.settings = {**(record.settings or {}), do_not_call.PLAIN: [phones[2], phones[3]]}
    with db.session() as session:
        record = session.get(Study, study_id)
        design = samples.draw_sample(session, users["researcher"], record, ALL)
        recorded = design.params["sampling"]["exclusions"]
    assert do_not_call.seal_plain_lists(db) == ["dnc"]
    assert do_not_call.seal_plain_lists(db) == []  # once
    with db.session() as session:
        record = session.get(Study, study_id)
        settings = record.settings
        ok, message = samples.verify_sample(session, record)
        _, left_out = _drawn(session, samples.current_design(session, record))
    assert do_not_call.PLAIN not in settings and phones[2] not in json.dumps(settings)
    assert settings[do_not_call.SHA256] == recorded["do_not_call_sha256"] == list_sha256(sorted(phones[2:4]))
    assert ok and "differ" not in message, message
    assert left_out == {"R00002": "do_not_call", "R00003": "do_not_call"}


def test_a_purge_re_keys_the_list_so_no_number_can_be_tested_and_the_draw_still_verifies(db, users, study):
    from survey_app.services import retention

    study_id, phones = study
    with db.session() as session:
        record = session.get(Study, study_id)
        studies.set_do_not_call(session, users["researcher"], record, phones[:2])
        samples.draw_sample(session, users["researcher"], record, ALL)
    with db.session() as session:
        record = session.get(Study, study_id)
        retention.purge_study(session, users["admin"], record, early_reason="the study was cancelled")
    with db.session() as session:
        record = session.get(Study, study_id)
        settings = record.settings
        ok, message = samples.verify_sample(session, record)
    assert not set(fieldcrypto.person_keys(phones[:2])) & set(settings[do_not_call.KEYS])
    assert settings[do_not_call.COUNT] == 2
    assert ok and "differ" not in message, message
