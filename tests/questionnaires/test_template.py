"""The justice-callback template: its contract (names, codes, texts) and every path through it.

Paths are enumerated systematically: every option (dk included) of every item that some
expression reads is tried; the other items take each of their options in turn across paths. Each
path's asked items are compared with `expected_items`, the skip rules of ARCHITECTURE.md written
out in plain Python, independently of the expression language.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from itertools import count

import pytest

from questionnaires import Interview, Questionnaire, template
from questionnaires.expressions import parse
from sampling.vocabulary import SCALES

CASE = {
    "surveyor_no": "S017",
    "domain": "公证",
    "channel": "热线平台",
    "service_date": date(2025, 4, 18),
    "organisation": "上海市东方公证处",
    "district": "黄浦区",
    "event_type": "服务",
}
SAT_ITEMS = [
    "sat_attitude",
    "sat_efficiency",
    "sat_professional",
    "sat_result",
    "sat_environment",
    "sat_integrity",
    "sat_overall",
]
CONTRACT = {
    "intro": ("note", None),
    "identity": ("single", ["yes", "no"]),
    "received_service": ("single", ["yes", "no", "dk"]),
    "who_rated": ("single", ["self", "other", "not_rated", "dk"]),
    "staff_asked_rating": ("single", ["yes", "no", "dk"]),
    **{name: ("rating", [*SCALES["justice3"].codes, "dk"]) for name in SAT_ITEMS},
    "unsatisfied_reason": ("single", None),
    "unsatisfied_reason_other": ("text", None),
    "referral_consent": ("single", ["yes", "no"]),
    "referral_problem": ("text", None),
    "aware_12348": ("single", ["yes", "no"]),
    "aware_public_legal": ("single", ["yes", "no"]),
    "first_choice": ("single", ["public_legal", "private_lawyer", "other", "dk"]),
    "comment": ("text", None),
    "closing": ("note", None),
}


def expected_items(answers: dict[str, object], dissatisfied: tuple[str, ...]) -> list[str]:
    """The skip rules of ARCHITECTURE.md, written without the expression language."""
    asked = ["intro", "identity"]
    if answers.get("identity") == "yes":
        asked.append("received_service")
        received = answers.get("received_service")
        if received == "yes":
            asked += ["who_rated", "staff_asked_rating"]
        if received in ("yes", "dk"):
            asked += SAT_ITEMS
            if answers.get("sat_overall") in dissatisfied:
                asked.append("unsatisfied_reason")
                if answers.get("unsatisfied_reason") == "other":
                    asked.append("unsatisfied_reason_other")  # other, please specify
            if answers.get("sat_overall") in ("basically_satisfied", *dissatisfied):
                asked.append("referral_consent")  # below 满意: may the responsible office call back?
                if answers.get("referral_consent") == "yes":
                    asked.append("referral_problem")
            asked += ["aware_12348", "aware_public_legal", "first_choice", "comment"]
    asked.append("closing")
    return asked


def branching_items(questionnaire: Questionnaire) -> set[str]:
    """Items whose answer some expression reads: these must take every option."""
    names: set[str] = set()
    sources = [section.relevant for section in questionnaire.sections]
    for item in questionnaire.items:
        sources += [item.relevant, item.constraint, item.calculate]
        if isinstance(item.required, str):
            sources.append(item.required)
    for source in filter(None, sources):
        names |= parse(source).names
    return names & set(questionnaire.item_names)


def all_paths(questionnaire: Questionnaire) -> Iterator[tuple[list[tuple[str, object]], Interview]]:
    """Depth-first over every option of branching items; other items rotate through their options."""
    branching = branching_items(questionnaire)
    rotation = count()

    def values_for(question) -> list[object]:
        if question.type == "note":
            return [None]
        if question.type == "text":
            return ["服务很好" if next(rotation) % 2 else None]
        codes = [option.code for option in question.options]
        if question.name in branching:
            return codes
        return [codes[next(rotation) % len(codes)]]

    def walk(steps: list[tuple[str, object]]) -> Iterator[tuple[list[tuple[str, object]], Interview]]:
        interview = Interview(questionnaire, CASE, dict(steps))
        question = interview.current()
        if question is None:
            yield steps, interview
            return
        for value in values_for(question):
            yield from walk([*steps, (question.name, value)])

    yield from walk([])


@pytest.fixture(scope="module")
def questionnaire() -> Questionnaire:
    return template("justice-callback")


@pytest.fixture(scope="module")
def paths(questionnaire: Questionnaire) -> list[tuple[list[tuple[str, object]], Interview]]:
    return list(all_paths(questionnaire))


def test_item_names_types_and_codes_follow_the_contract(questionnaire: Questionnaire) -> None:
    assert list(questionnaire.item_names) == list(CONTRACT)
    for name, (kind, codes) in CONTRACT.items():
        item = questionnaire.item(name)
        assert item.type == kind, name
        if codes is not None:
            assert [choice.code for choice in questionnaire.options(item)] == codes, name


def test_every_rating_item_offers_dk_labelled_shuo_bu_qing(questionnaire: Questionnaire) -> None:
    for name in SAT_ITEMS:
        options = questionnaire.options(questionnaire.item(name))
        assert (options[-1].code, options[-1].label["zh"]) == ("dk", "说不清")


def test_the_study_scale_is_used_for_rating_items() -> None:
    questionnaire = template("justice-callback", scale="haochaping5")
    codes = [choice.code for choice in questionnaire.options(questionnaire.item("sat_overall"))]
    assert codes == [*SCALES["haochaping5"].codes, "dk"]


def test_unknown_scale_is_refused() -> None:
    with pytest.raises(KeyError, match="unknown rating scale"):
        template("justice-callback", scale="stars")


def test_unknown_template_is_refused() -> None:
    with pytest.raises(KeyError, match="justice-callback"):
        template("nope")


def test_opening_names_the_commissioning_body_and_the_surveyor(questionnaire: Questionnaire) -> None:
    label = Interview(questionnaire, CASE).current().label
    assert "上海市司法局" in label and "人事处" in label and "S017" in label


def test_verification_asks_about_domain_date_and_channel(questionnaire: Questionnaire) -> None:
    question = Interview(questionnaire, CASE, {"intro": None, "identity": "yes"}).current()
    assert question.name == "received_service"
    assert all(part in question.label for part in ("公证", "2025年4月18日", "热线平台"))
    english = Interview(questionnaire, CASE, {"intro": None, "identity": "yes"}, language="en").current()
    assert all(part in english.label for part in ("Notary", "2025-04-18", "12348 hotline"))


def test_every_text_is_bilingual(questionnaire: Questionnaire) -> None:
    for item in questionnaire.items:
        assert item.label.keys() == {"zh", "en"}, item.name
        for mode, wording in item.modes.items():
            for texts in (wording.label, wording.hint):
                assert texts.keys() in ({"zh", "en"}, set()), (item.name, mode)
        for choice in item.choices:
            assert choice.label.keys() == {"zh", "en"}, (item.name, choice.code)


def test_every_path_asks_exactly_the_items_the_skip_rules_say(paths) -> None:
    for steps, interview in paths:
        answers = dict(steps)
        assert [name for name, _ in steps] == expected_items(answers, ("dissatisfied",)), steps
        assert interview.complete


def test_paths_cover_every_branch_and_every_item(paths, questionnaire: Questionnaire) -> None:
    seen = {(name, value) for steps, _ in paths for name, value in steps}
    for name in branching_items(questionnaire):
        for choice in questionnaire.options(questionnaire.item(name)):
            assert (name, choice.code) in seen
    assert {name for name, _ in seen} == set(questionnaire.item_names)


def test_identity_no_ends_at_the_closing_script(paths) -> None:
    endings = {tuple(name for name, _ in steps) for steps, _ in paths if dict(steps)["identity"] == "no"}
    assert endings == {("intro", "identity", "closing")}


def test_service_never_received_is_recorded_then_the_interview_ends(paths) -> None:
    for steps, interview in paths:
        if dict(steps).get("received_service") == "no":
            assert interview.answers["received_service"] == "no"
            assert [name for name, _ in steps][-2:] == ["received_service", "closing"]


def test_unsure_about_the_service_skips_who_rated_but_asks_ratings(paths) -> None:
    unsure = [dict(steps) for steps, _ in paths if dict(steps).get("received_service") == "dk"]
    assert unsure
    for answers in unsure:
        assert "who_rated" not in answers and "staff_asked_rating" not in answers and "sat_overall" in answers


def test_reason_is_asked_on_the_dissatisfied_side_of_a_five_level_scale() -> None:
    questionnaire = template("justice-callback", scale="haochaping5")
    dissatisfied = ("dissatisfied", "very_dissatisfied")
    for steps, interview in all_paths(questionnaire):
        assert [name for name, _ in steps] == expected_items(dict(steps), dissatisfied)
        assert interview.complete


def test_changing_identity_to_no_clears_everything_after_it(questionnaire: Questionnaire) -> None:
    steps = next(steps for steps, _ in all_paths(questionnaire) if "unsatisfied_reason" in dict(steps))
    interview = Interview(questionnaire, CASE, dict(steps))
    interview.go_to("identity")
    interview.answer("no")
    cleared = [event.item for event in interview.events if event.action == "cleared"]
    assert interview.answers == {"intro": None, "identity": "no", "closing": None}
    assert cleared == [name for name, _ in steps if name not in ("intro", "identity", "closing")]
    assert interview.complete


def test_every_step_of_every_path_can_be_rebuilt_from_stored_answers(
    paths, questionnaire: Questionnaire
) -> None:
    for steps, _ in paths:
        live = Interview(questionnaire, CASE)
        for name, value in steps:
            rebuilt = Interview(questionnaire, CASE, live.stored_answers())
            assert rebuilt.current().name == live.current().name == name
            live.answer(value)


def test_the_number_of_paths_is_the_number_of_branch_combinations(
    paths, questionnaire: Questionnaire
) -> None:
    overall = len(questionnaire.options(questionnaire.item("sat_overall")))
    reasons = len(questionnaire.options(questionnaire.item("unsatisfied_reason")))
    # identity no; service not received; received yes or dk, each with every overall rating, the two
    # ratings below 满意 (basically satisfied, dissatisfied) once more for consent yes / no, and
    # 不满意 once more for every further reason (the reason branches on "other, please specify")
    assert len(paths) == 1 + 1 + 2 * (overall + 2 + 2 * (reasons - 1))


def test_the_example_case_fills_every_placeholder_of_the_template(questionnaire: Questionnaire) -> None:
    from questionnaires import EXAMPLE_CASE

    for steps, _ in all_paths(questionnaire):
        interview = Interview(questionnaire, EXAMPLE_CASE)
        for _name, value in steps:
            assert "${" not in interview.current().label
            interview.answer(value)


def test_version_one_is_still_built_as_published() -> None:
    first = template("justice-callback", version=1)
    assert first.version == 1 and "unsatisfied_reason_other" not in first.item_names
    other = next(c for c in first.item("unsatisfied_reason").choices if c.code == "other")
    assert other.label == {"zh": "其他原因", "en": "Other"}


def test_version_two_is_version_one_plus_other_please_specify_and_nothing_else() -> None:
    from questionnaires import diff

    changes = {
        (c.where, c.field, c.kind)
        for c in diff(template("justice-callback", version=1), template("justice-callback", version=2))
    }
    assert changes == {
        ("questionnaire", "version", "changed"),
        ("item unsatisfied_reason", "choice 'other' label.zh", "changed"),
        ("item unsatisfied_reason", "choice 'other' label.en", "changed"),
        ("item unsatisfied_reason_other", None, "added"),
    }


def test_other_please_specify_is_asked_after_other_and_only_then(questionnaire: Questionnaire) -> None:
    before = {"intro": None, "identity": "yes", "received_service": "yes", "who_rated": "self"}
    answers = {**before, "staff_asked_rating": "no", **dict.fromkeys(SAT_ITEMS, "dissatisfied")}
    other = Interview(questionnaire, CASE, {**answers, "unsatisfied_reason": "other"}).current()
    assert (other.name, other.type) == ("unsatisfied_reason_other", "text")
    assert other.label == "请您具体说说是什么原因让您不满意。"
    named = Interview(questionnaire, CASE, {**answers, "unsatisfied_reason": "efficiency"}).current()
    assert named.name == "referral_consent"


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(KeyError, match="no version 9"):
        template("justice-callback", version=9)


def test_version_three_only_words_texts_for_the_web() -> None:
    from questionnaires import diff

    changes = diff(template("justice-callback", version=2), template("justice-callback", version=3))
    fields = {c.field for c in changes if c.where != "questionnaire"}
    assert fields and all(field.startswith("modes.web.") for field in fields)
    assert {c.where for c in changes} - {"questionnaire"} == {
        "item intro",
        "item identity",
        "item sat_overall",
        "item unsatisfied_reason_other",
        "item closing",
    }


def test_the_web_opens_with_a_self_completion_intro_and_the_call_with_the_script(
    questionnaire: Questionnaire,
) -> None:
    web = Interview(questionnaire, CASE, mode="web").current().label
    call = Interview(questionnaire, CASE, mode="cati").current().label
    assert "访员" not in web and "S017" not in web and "问卷" in web
    assert "访员" in call and "S017" in call
    assert Interview(questionnaire, CASE).current().label == call  # no mode: the call script
    english = Interview(questionnaire, CASE, mode="web", language="en").current().label
    assert english.startswith("Hello! This is an independent survey") and "interviewer" not in english


def test_web_hints_speak_to_the_respondent_not_the_surveyor(questionnaire: Questionnaire) -> None:
    before = {"intro": None, "identity": "yes", "received_service": "yes", "who_rated": "self"}
    answers = {**before, "staff_asked_rating": "no", **dict.fromkeys(SAT_ITEMS[:-1], "satisfied")}
    web = Interview(questionnaire, CASE, answers, mode="web").current()
    call = Interview(questionnaire, CASE, answers, mode="cati").current()
    assert web.name == call.name == "sat_overall" and web.label == call.label
    assert (web.hint, call.hint) == ("如果难以评价，可以选择“说不清”。", "请逐一读出选项，包括“说不清”。")


def test_every_mode_asks_the_same_items(paths, questionnaire: Questionnaire) -> None:
    for steps, interview in paths:
        web = Interview(questionnaire, CASE, mode="web")
        for name, value in steps:
            assert web.current().name == name
            web.answer(value)
        assert web.complete and web.answers == interview.answers
