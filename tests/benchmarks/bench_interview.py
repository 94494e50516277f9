"""Speed of the interview engine and the questionnaire I/O. Target: an answer in well under 10 ms.

Run: python tests/benchmarks/bench_interview.py
Measures: answering the justice-callback template start to end; answering a 300-item
questionnaire (every item with a relevant); rebuilding an interview from stored answers (what
the app does after a reload); replaying stored answers as an upload does (`advance`, no question
built, against `answer`); parsing fresh expressions; XLSForm export and import; and the
incremental refresh against the full one (every expression re-evaluated after every answer, the
engine before issue 15): expression evaluations and time per interview, with the ratio.
Compared against: a 10 ms per-answer budget (a surveyor's screen must never wait on the engine;
Streamlit's own rerun costs tens of milliseconds) and a 1 s budget for importing a 300-item form.
"""

from __future__ import annotations

import io
import time
from datetime import date

import questionnaires.interview as engine_module
from questionnaires import Interview, Questionnaire, parse, read_xlsform, template, write_xlsform

CASE = {"surveyor_no": "S1", "domain": "律师", "channel": "网络平台", "service_date": date(2025, 2, 3)}
PER_ANSWER_BUDGET_MS = 10.0


def first_option(question) -> object:
    if question.type in ("note", "text"):
        return None
    if question.type == "integer":
        return 5
    return question.options[0].code


def run_through(questionnaire: Questionnaire, case: dict) -> tuple[int, float]:
    start = time.perf_counter()
    interview = Interview(questionnaire, case)
    answers = 0
    while (question := interview.current()) is not None:
        interview.answer(first_option(question))
        answers += 1
    return answers, time.perf_counter() - start


def large(n: int) -> Questionnaire:
    items = [{"name": "q0", "type": "integer", "label": {"zh": "数量"}}]
    for index in range(1, n):
        items.append(
            {
                "name": f"q{index}",
                "type": "single",
                "label": {"zh": f"第{index}题 ${{q0}}"},
                "choices": [{"code": "a", "label": {"zh": "甲"}}, {"code": "b", "label": {"zh": "乙"}}],
                "relevant": f"${{q0}} > 1 and ${{q{index - 1}}} != 'b'",
                "allow_dk": True,
            }
        )
    return Questionnaire.model_validate({"id": "large", "sections": [{"name": "s", "items": items}]})


class FullRefresh(Interview):
    """The engine before issue 15: every expression re-evaluated after every answer."""

    _memoise = False


def counted_run(
    engine: type[Interview], questionnaire: Questionnaire, case: dict, rounds: int
) -> tuple[int, float]:
    """Expression evaluations and seconds per interview answered start to end by `engine`."""
    calls = 0
    real = engine_module.evaluate

    def counting(expression, context):
        nonlocal calls
        calls += 1
        return real(expression, context)

    engine_module.evaluate = counting
    try:
        engine(questionnaire, case)  # one untimed interview: parse cache warm, as in a running app
        calls = 0
        start = time.perf_counter()
        for _ in range(rounds):
            interview = engine(questionnaire, case)
            while (question := interview.current()) is not None:
                interview.answer(first_option(question))
        seconds = time.perf_counter() - start
    finally:
        engine_module.evaluate = real
    return calls // rounds, seconds / rounds


def incremental_against_full(name: str, questionnaire: Questionnaire, case: dict, rounds: int) -> None:
    before_calls, before = counted_run(FullRefresh, questionnaire, case, rounds)
    after_calls, after = counted_run(Interview, questionnaire, case, rounds)
    print(
        f"{name} per interview: full refresh {before_calls} evaluations {before * 1000:.2f} ms, "
        f"incremental {after_calls} evaluations {after * 1000:.2f} ms "
        f"(evaluations ÷{before_calls / max(after_calls, 1):.1f}, time ÷{before / after:.2f})"
    )


def replay(questionnaire: Questionnaire, answers: dict, rounds: int) -> None:
    """An upload's replay of stored answers (`services.interviews.replay_answers`): each answer given in
    turn through `advance` (the next item, no question built) against `answer` (the next question)."""
    timings = {}
    for name in ("answer", "advance"):
        best = float("inf")
        for _ in range(5):
            start = time.process_time()
            for _ in range(rounds):
                interview = Interview(questionnaire, CASE)
                while (item := interview.current_item()) is not None and item.name in answers:
                    getattr(interview, name)(answers[item.name])
            best = min(best, (time.process_time() - start) / rounds)
        timings[name] = best
    print(
        f"replaying {len(answers)} stored answers: answer() {timings['answer'] * 1000:.3f} ms, "
        f"advance() {timings['advance'] * 1000:.3f} ms CPU per interview (best of 5 × {rounds})"
    )


def main() -> None:
    questionnaire = template("justice-callback")
    run_through(questionnaire, CASE)  # warm the parse cache, as a running app would be
    rounds = 200
    total_answers, total = 0, 0.0
    for _ in range(rounds):
        answers, seconds = run_through(questionnaire, CASE)
        total_answers += answers
        total += seconds
    per_answer = total / total_answers * 1000
    print(
        f"justice-callback: {total_answers / rounds:.0f} answers per interview, {per_answer:.3f} ms per answer "
        f"(budget {PER_ANSWER_BUDGET_MS} ms)"
    )

    stored = Interview(questionnaire, CASE)
    while (question := stored.current()) is not None and question.name != "comment":
        stored.answer(first_option(question))
    start = time.perf_counter()
    for _ in range(rounds):
        Interview(questionnaire, CASE, stored.stored_answers()).current()
    print(f"rebuild from stored answers + current(): {(time.perf_counter() - start) / rounds * 1000:.3f} ms")
    replay(questionnaire, stored.stored_answers(), rounds)

    start = time.perf_counter()
    big = large(300)
    print(f"building and checking a 300-item questionnaire: {(time.perf_counter() - start) * 1000:.1f} ms")
    answers, seconds = run_through(big, {})
    print(
        f"300 items: {answers} answers, {seconds / answers * 1000:.3f} ms per answer (budget {PER_ANSWER_BUDGET_MS} ms)"
    )

    incremental_against_full("justice-callback", questionnaire, CASE, rounds)
    incremental_against_full("300 items", big, {}, 3)

    sources = [
        f"${{a{i}}} in ('x', 'y') and count-selected(${{m}}) > {i} or not (${{b}} = {i})" for i in range(500)
    ]
    start = time.perf_counter()
    for source in sources:
        parse(source)
    print(f"parsing a fresh expression: {(time.perf_counter() - start) / len(sources) * 1000:.3f} ms")

    buffer = io.BytesIO()
    start = time.perf_counter()
    write_xlsform(big, buffer)
    written = time.perf_counter() - start
    buffer.seek(0)
    start = time.perf_counter()
    report = read_xlsform(buffer)
    read = time.perf_counter() - start
    assert report.questionnaire == big
    print(
        f"XLSForm of 300 items: export {written * 1000:.0f} ms, import {read * 1000:.0f} ms (budget 1000 ms)"
    )


if __name__ == "__main__":
    main()
