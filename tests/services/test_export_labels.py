"""The study's SPSS and Stata files say what each column and code means, read back with pyreadstat."""

from __future__ import annotations

import pyreadstat
import pytest
from sqlalchemy import select

from survey_app.services import analysis_service, studies
from survey_app.storage.models import User

pytestmark = pytest.mark.db

READERS = {"sav": pyreadstat.read_sav, "dta": pyreadstat.read_dta}


@pytest.fixture(scope="module", params=["sav", "dta"])
def exported(request, _small_demo, tmp_path_factory):
    """The demo study's dataset written once per format, read back: (data, meta)."""
    from survey_app.storage import open_database

    db = open_database(str(_small_demo[0]))
    path = tmp_path_factory.mktemp("export") / f"demo.{request.param}"
    with db.session() as session:
        auditor = session.scalar(select(User).where(User.username == "auditor"))
        analysis_service.export_analysis_dataset(session, auditor, studies.find_study(session, "demo"), path)
        session.rollback()  # the copy stays as built; only the file is wanted
    db.dispose()
    return READERS[request.param](str(path))


def test_every_final_disposition_reads_as_its_aapor_code_and_words(exported):
    data, meta = exported
    labels = meta.variable_value_labels["final_disposition"]
    shown = {labels[v] for v in data["final_disposition"].dropna()}
    assert "1.1 完成访问" in shown and "2.11 拒访" in shown
    assert all(text.split(" ", 1)[0][0] in "1234" for text in labels.values())


def test_ratings_carry_their_scale_in_words(exported):
    _, meta = exported
    assert set(meta.variable_value_labels["sat_overall"].values()) >= {"满意", "基本满意", "不满意", "说不清"}
    assert meta.variable_value_labels["system_rating"][1] == "满意"


def test_answer_columns_are_labelled_with_their_question(exported):
    _, meta = exported
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["identity"] == "请问您是办理该项业务的当事人本人吗？"
    assert labels["sat_overall"] == "总体来说，您对这次…服务是否满意？"  # the case's domain stands as …
    assert labels["nr_weight"] == "最终分析权重（校准与无应答调整后）"
