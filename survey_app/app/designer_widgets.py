"""The questionnaire designer's parts: the item and choice editors, the live preview, files in and out.

Edits go through the `questionnaires` library (each edit returns a new, fully checked questionnaire,
or raises and leaves the working copy as it was). The working copy lives in the tab's state until
the page saves it through `services.questionnaire_store`; nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

import questionnaires
from questionnaires import ExpressionError, Item, Questionnaire, QuestionnaireError
from questionnaires.model import NUMBER_TYPES
from sampling.vocabulary import SCALES
from survey_app.app import state, tables, words
from survey_app.app.answer_widgets import answer_widget
from survey_app.app.state import tr

WORK_KEY = "designer_work"  # (version id, the working copy) — unsaved edits of that version
ITEM_NEXT = "designer_item_next"  # the item to select on the next run (one just added)
PREVIEW_KEY = "designer_preview"  # {"answers": {...}, "cursor": item name or None}
EXPORT_FORMATS = {".json": "application/json", ".yaml": "application/x-yaml", ".xlsx": None}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ITEM_TYPES = (
    "single",
    "multiple",
    "rating",
    "yesno",
    "integer",
    "decimal",
    "date",
    "text",
    "note",
    "calculate",
)
OWN_CHOICES = ("single", "multiple")
TYPE_LABELS: dict[str, tuple[str, str]] = {
    "single": ("单选", "single choice"),
    "multiple": ("多选", "multiple choice"),
    "rating": ("评价", "rating"),
    "yesno": ("是/否", "yes/no"),
    "integer": ("整数", "integer"),
    "decimal": ("小数", "decimal"),
    "date": ("日期", "date"),
    "text": ("文本", "text"),
    "note": ("说明（只读）", "note"),
    "calculate": ("计算", "calculate"),
}


def type_label(kind: str) -> str:
    """An item type as the designer's reader calls it (单选 for single)."""
    texts = TYPE_LABELS.get(kind)
    if texts is None:
        return kind
    return texts[0] if state.lang() == "zh" else texts[1]


# --- files in and out ------------------------------------------------------------------------------


def export_bytes(questionnaire: Questionnaire, suffix: str) -> bytes:
    """The file `questionnaires.dump` writes for this suffix (.json, .yaml, .xlsx), as bytes."""
    with tempfile.TemporaryDirectory() as folder:
        path = questionnaires.dump(questionnaire, Path(folder) / f"questionnaire{suffix}")
        return path.read_bytes()


def read_upload(filename: str, data: bytes) -> questionnaires.ImportReport:
    """An uploaded questionnaire file read by the library, with the list of what it could not import."""
    suffix = Path(filename).suffix.lower()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            return questionnaires.load_with_report(path)
        except UnicodeDecodeError as error:
            raise questionnaires.FileFormatError(
                f"not UTF-8 text (byte {error.start + 1}); save the file as UTF-8", path=filename
            ) from None
        except questionnaires.FileFormatError as error:  # name the user's file, not the temporary copy
            raise questionnaires.FileFormatError(
                error.message,
                path=filename,
                sheet=error.sheet,
                row=error.row,
                column=error.column,
                position=error.position,
            ) from None


def download_buttons(questionnaire: Questionnaire, stem: str) -> None:
    columns = st.columns(len(EXPORT_FORMATS))
    for column, (suffix, mime) in zip(columns, EXPORT_FORMATS.items(), strict=True):
        column.download_button(
            tr("designer.download", format=suffix.lstrip(".").upper()),
            export_bytes(questionnaire, suffix),
            file_name=f"{stem}{suffix}",
            mime=mime or XLSX_MIME,
            key=f"designer_download{suffix}",
        )


# --- the working copy ------------------------------------------------------------------------------


def working_copy(version_id: int, stored: Questionnaire) -> Questionnaire:
    """The tab's unsaved edits of this version, or the stored version when there are none."""
    held = st.session_state.get(WORK_KEY)
    if held is None or held[0] != version_id:
        st.session_state[WORK_KEY] = (version_id, stored)
        return stored
    return held[1]


def keep(version_id: int, questionnaire: Questionnaire) -> None:
    st.session_state[WORK_KEY] = (version_id, questionnaire)


def forget_work() -> None:
    st.session_state.pop(WORK_KEY, None)


def try_edit(edit: Callable[..., Questionnaire], *args: Any, **changes: Any) -> Questionnaire | None:
    """The edited questionnaire, or None after showing why the library refused the edit."""
    try:
        return edit(*args, **changes)
    except QuestionnaireError as error:
        st.error(tr("designer.edit_failed", error=error))
        return None


# --- expressions -----------------------------------------------------------------------------------


def show_expression_error(error: ExpressionError) -> None:
    """The message and, under the expression, a caret at the character it names."""
    where = tr("designer.at_character", position=error.position) if error.position else ""
    st.error(
        tr(
            "designer.expression_error",
            field=words.expression_field(error.field, state.lang()),
            message=words.expression_text(error.message, state.lang()),
            where=where,
        )
    )
    if error.position:
        st.code(f"{error.source}\n{' ' * (error.position - 1)}^", language=None)


def checked_expression(
    questionnaire: Questionnaire, item: str, field: str, label: str, current: str | None, key: str
) -> tuple[str | None, bool]:
    """A text input for an expression, checked as it is entered: (the expression or None, valid)."""
    source = st.text_input(label, value=current or "", key=key).strip()
    if not source:
        return None, True
    try:
        questionnaires.check_expression(questionnaire, source, item=item, field=field)
    except ExpressionError as error:
        show_expression_error(error)
        return source, False
    return source, True


# --- items -----------------------------------------------------------------------------------------


def editor_key(version_id: int, part: Item | questionnaires.Choice, field: str) -> str:
    """A widget key that changes with the item's (or choice's) content.

    A widget keeps what was typed into it for as long as its key lives, whatever `value=` says; keyed
    by content, the fields show the item afresh after it is applied, saved or its edits discarded.
    """
    digest = hashlib.sha256(part.model_dump_json().encode("utf-8")).hexdigest()[:10]
    name = part.name if isinstance(part, Item) else part.code
    return f"designer-{version_id}-{name}-{digest}-{field}"


def item_rows(questionnaire: Questionnaire) -> list[dict[str, Any]]:
    return [
        {
            "#": number,
            tr("designer.section"): section.name,
            tr("designer.item_name"): item.name,
            tr("designer.type"): type_label(item.type),
            tr("designer.label_zh"): item.label.get("zh", ""),
            tr("designer.relevant"): item.relevant or "",
        }
        for number, (section, item) in enumerate(
            ((section, item) for section in questionnaire.sections for item in section.items), start=1
        )
    ]


def _number(text: str, label: str) -> tuple[float | int | None, bool]:
    text = text.strip()
    if not text:
        return None, True
    try:
        value = float(text)
    except ValueError:
        st.error(tr("designer.not_a_number", field=label, value=text))
        return None, False
    return (int(value) if value.is_integer() else value), True


def _type_changes(item: Item, new_type: str) -> dict[str, Any]:
    """What else must go when an item changes type, so that the library accepts the new shape."""
    changes: dict[str, Any] = {"type": new_type}
    if new_type not in OWN_CHOICES and item.choices:
        changes["choices"] = ()
    if new_type not in NUMBER_TYPES:
        changes.update(minimum=None, maximum=None)
    if new_type != "rating":
        changes["scale"] = None
    if new_type != "calculate":
        changes["calculate"] = None
    if new_type in ("note", "calculate"):
        changes.update(allow_dk=False, allow_refused=False, required=False, constraint=None)
    return changes


def item_editor(questionnaire: Questionnaire, item: Item, version_id: int) -> tuple[dict[str, Any], bool]:
    """Fields of one item, each checked as entered: (changes to apply, every field valid)."""

    def key(field: str) -> str:
        return editor_key(version_id, item, field)

    left, right = st.columns(2)
    texts: dict[str, dict[str, str]] = {"label": dict(item.label), "hint": dict(item.hint)}
    for column, language in ((left, "zh"), (right, "en")):
        for field in ("label", "hint"):
            entered = column.text_area(
                tr(f"designer.{field}_{language}"),
                value=getattr(item, field).get(language, ""),
                key=key(f"{field}-{language}"),
                height=80 if field == "label" else 68,
            )
            texts[field][language] = entered.strip()
    new_type = left.selectbox(
        tr("designer.type"),
        ITEM_TYPES,
        index=ITEM_TYPES.index(item.type),
        format_func={t: type_label(t) for t in ITEM_TYPES}.__getitem__,
        key=key("type"),
    )
    valid = True
    changes: dict[str, Any] = {}
    for field in ("label", "hint"):
        cleaned = {language: text for language, text in texts[field].items() if text}
        if cleaned != dict(getattr(item, field)):
            changes[field] = cleaned
    if new_type != item.type:
        changes.update(_type_changes(item, new_type))
    answered = new_type not in ("note", "calculate")
    relevant, ok = checked_expression(
        questionnaire, item.name, "relevant", tr("designer.relevant"), item.relevant, key("relevant")
    )
    valid &= ok
    if relevant != item.relevant:
        changes["relevant"] = relevant
    if answered:
        constraint, ok = checked_expression(
            questionnaire,
            item.name,
            "constraint",
            tr("designer.constraint"),
            item.constraint,
            key("constraint"),
        )
        valid &= ok
        if constraint != item.constraint:
            changes["constraint"] = constraint
        always = right.checkbox(tr("designer.required"), value=item.required is True, key=key("required"))
        condition, ok = checked_expression(
            questionnaire,
            item.name,
            "required",
            tr("designer.required_if"),
            item.required if isinstance(item.required, str) else None,
            key("required-if"),
        )
        valid &= ok
        required: bool | str = condition if condition else always
        if required != item.required:
            changes["required"] = required
        for flag in ("allow_dk", "allow_refused"):
            chosen = right.checkbox(tr(f"designer.{flag}"), value=getattr(item, flag), key=key(flag))
            if chosen != getattr(item, flag):
                changes[flag] = chosen
    if new_type in OWN_CHOICES and not item.choices:
        lines = st.text_area(tr("designer.choices_lines"), key=key("choices"), height=100)
        changes["choices"] = parse_choices(lines)
    if new_type == "rating":
        options = ["", *SCALES]
        shown = {"": tr("designer.scale_default", scale=questionnaire.settings.rating_scale)} | {
            name: name for name in SCALES
        }
        scale = right.selectbox(
            tr("designer.item_scale"),
            options,
            index=options.index(item.scale or ""),
            format_func=shown.__getitem__,
            key=key("scale"),
        )
        if (scale or None) != item.scale:
            changes["scale"] = scale or None
    if new_type in NUMBER_TYPES:
        for bound in ("minimum", "maximum"):
            current = getattr(item, bound)
            value, ok = _number(
                right.text_input(
                    tr(f"designer.{bound}"),
                    value="" if current is None else str(current),
                    key=key(bound),
                ),
                tr(f"designer.{bound}"),
            )
            valid &= ok
            if ok and value != current:
                changes[bound] = value
    if new_type == "calculate":
        calculate, ok = checked_expression(
            questionnaire,
            item.name,
            "calculate",
            tr("designer.calculate"),
            item.calculate,
            key("calculate"),
        )
        valid &= ok
        if calculate != item.calculate:
            changes["calculate"] = calculate
    return changes, valid


def parse_choices(text: str) -> list[dict[str, Any]]:
    """'code 中文标签 | English label' per line → choices (the English part is optional)."""
    choices = []
    for line in text.splitlines():
        if not line.strip():
            continue
        code, _, labels = line.strip().partition(" ")
        zh, _, en = labels.partition("|")
        choices.append({"code": code, "label": {"zh": zh.strip(), "en": en.strip()}})
    return choices


def position(questionnaire: Questionnaire, name: str) -> tuple[int, int]:
    """(section index, index in the section) of an item."""
    for s, section in enumerate(questionnaire.sections):
        for i, item in enumerate(section.items):
            if item.name == name:
                return s, i
    raise KeyError(name)


def moved(questionnaire: Questionnaire, name: str, step: int) -> Questionnaire | None:
    """An item one place up (-1) or down (+1); at a section's edge it crosses into the next section."""
    s, i = position(questionnaire, name)
    sections = questionnaire.sections
    if 0 <= i + step < len(sections[s].items):
        return try_edit(questionnaires.move_item, questionnaire, name, i + step)
    neighbour = s + step
    if not 0 <= neighbour < len(sections):
        return None
    at = len(sections[neighbour].items) if step < 0 else 0
    return try_edit(questionnaires.move_item, questionnaire, name, at, section=sections[neighbour].name)


def choice_rows(item: Item) -> list[dict[str, str]]:
    return [
        {
            tr("designer.code"): choice.code,
            tr("designer.label_zh"): choice.label.get("zh", ""),
            tr("designer.label_en"): choice.label.get("en", ""),
        }
        for choice in item.choices
    ]


def choice_editor(questionnaire: Questionnaire, item: Item, version_id: int) -> Questionnaire | None:
    """Reorder, relabel, delete and add the choices of a single or multiple choice item."""
    st.markdown(f"**{tr('designer.choices', name=item.name)}**")
    tables.grid(choice_rows(item), hide_index=True, width="stretch")
    codes = [choice.code for choice in item.choices]
    code = st.selectbox(tr("designer.pick_choice"), codes, key=f"designer_choice-{item.name}")
    edited = None
    if code is not None:
        index = codes.index(code)
        choice = item.choices[index]
        up, down, delete = st.columns(3)
        if up.button(tr("designer.move_up"), key="designer_choice_up", disabled=index == 0):
            edited = try_edit(questionnaires.move_choice, questionnaire, item.name, code, index - 1)
        if down.button(
            tr("designer.move_down"), key="designer_choice_down", disabled=index == len(codes) - 1
        ):
            edited = try_edit(questionnaires.move_choice, questionnaire, item.name, code, index + 1)
        if delete.button(tr("designer.delete_choice"), key="designer_choice_delete"):
            edited = try_edit(questionnaires.delete_choice, questionnaire, item.name, code)
        left, right = st.columns(2)
        zh = left.text_input(
            tr("designer.label_zh"),
            value=choice.label.get("zh", ""),
            key=editor_key(version_id, choice, "zh"),
        )
        en = right.text_input(
            tr("designer.label_en"),
            value=choice.label.get("en", ""),
            key=editor_key(version_id, choice, "en"),
        )
        label = {language: text.strip() for language, text in (("zh", zh), ("en", en)) if text.strip()}
        if st.button(tr("designer.apply_choice"), key="designer_choice_apply") and label != choice.label:
            edited = try_edit(questionnaires.update_choice, questionnaire, item.name, code, label=label)
    with st.form(f"designer_add_choice-{item.name}", clear_on_submit=True):
        code_column, zh_column, en_column = st.columns(3)
        new_code = code_column.text_input(tr("designer.code"), key=f"designer_new_choice_code-{item.name}")
        new_zh = zh_column.text_input(tr("designer.label_zh"), key=f"designer_new_choice_zh-{item.name}")
        new_en = en_column.text_input(tr("designer.label_en"), key=f"designer_new_choice_en-{item.name}")
        if st.form_submit_button(tr("designer.add_choice")) and new_code.strip():
            label = {"zh": new_zh.strip(), "en": new_en.strip()}
            edited = try_edit(
                questionnaires.add_choice,
                questionnaire,
                item.name,
                {"code": new_code.strip(), "label": label},
            )
    return edited


def add_item_form(questionnaire: Questionnaire) -> Questionnaire | None:
    """A new item at the end of a section (a new section when one is named); Enter submits."""
    sections = [section.name for section in questionnaire.sections] or [""]
    shown = {name: name or tr("designer.ungrouped") for name in sections}
    with st.form("designer_add_item", clear_on_submit=True):
        left, right = st.columns(2)
        name = left.text_input(tr("designer.item_name"), key="designer_new_name")
        kind = right.selectbox(
            tr("designer.type"),
            ITEM_TYPES,
            format_func={t: type_label(t) for t in ITEM_TYPES}.__getitem__,
            key="designer_new_type",
        )
        section = left.selectbox(
            tr("designer.section"),
            sections,
            index=len(sections) - 1,
            format_func=shown.__getitem__,
            key="designer_new_section",
        )
        new_section = right.text_input(tr("designer.new_section"), key="designer_new_section_name")
        zh = left.text_area(tr("designer.label_zh"), key="designer_new_zh", height=80)
        en = right.text_area(tr("designer.label_en"), key="designer_new_en", height=80)
        choices = st.text_area(tr("designer.choices_lines"), key="designer_new_choices", height=100)
        calculate = st.text_input(tr("designer.calculate"), key="designer_new_calculate")
        submitted = st.form_submit_button(tr("designer.add"))
    if not submitted:
        return None
    if not name.strip():
        st.error(tr("designer.name_needed"))
        return None
    item: dict[str, Any] = {"name": name.strip(), "type": kind, "label": {"zh": zh.strip(), "en": en.strip()}}
    if kind in OWN_CHOICES:
        item["choices"] = parse_choices(choices)
    if kind == "calculate":
        item["calculate"] = calculate.strip() or None
    target = questionnaire
    if new_section.strip():
        target = try_edit(questionnaires.add_section, questionnaire, {"name": new_section.strip()})
        if target is None:
            return None
        section = new_section.strip()
    added = try_edit(questionnaires.add_item, target, item, section=section)
    if added is not None:
        st.session_state[ITEM_NEXT] = item["name"]
    return added


def settings_editor(questionnaire: Questionnaire, version_id: int) -> Questionnaire | None:
    """The questionnaire's title (zh, en) and the rating scale of its rating items."""
    left, right = st.columns(2)
    digest = hashlib.sha256(
        questionnaire.model_dump_json(include={"title", "settings"}).encode()
    ).hexdigest()[:10]
    key = f"designer-{version_id}-settings-{digest}"
    zh = left.text_input(tr("designer.title_zh"), value=questionnaire.title.get("zh", ""), key=f"{key}-zh")
    en = right.text_input(tr("designer.title_en"), value=questionnaire.title.get("en", ""), key=f"{key}-en")
    scales = list(SCALES)
    scale = left.selectbox(
        tr("designer.rating_scale"),
        scales,
        index=scales.index(questionnaire.settings.rating_scale),
        key=f"{key}-scale",
    )
    if not st.button(tr("designer.apply_settings"), key="designer_settings_apply"):
        return None
    title = {language: text.strip() for language, text in (("zh", zh), ("en", en)) if text.strip()}
    return try_edit(
        questionnaires.update_questionnaire, questionnaire, title=title, settings={"rating_scale": scale}
    )


def section_editor(questionnaire: Questionnaire, version_id: int) -> Questionnaire | None:
    """A section's label and relevance (checked as entered), its place, or its removal with its items."""
    names = [section.name for section in questionnaire.sections]
    if not names:
        return None
    shown = {name: name or tr("designer.ungrouped") for name in names}
    name = st.selectbox(
        tr("designer.pick_section"),
        names,
        format_func=shown.__getitem__,
        key=f"designer_section-{version_id}",
    )
    if name is None:
        return None
    index = names.index(name)
    section = questionnaire.sections[index]
    digest = hashlib.sha256(section.model_dump_json(exclude={"items"}).encode()).hexdigest()[:10]
    key = f"designer-{version_id}-section-{name}-{digest}"
    left, right = st.columns(2)
    zh = left.text_input(tr("designer.section_zh"), value=section.label.get("zh", ""), key=f"{key}-zh")
    en = right.text_input(tr("designer.section_en"), value=section.label.get("en", ""), key=f"{key}-en")
    earlier = {item.name for before in questionnaire.sections[:index] for item in before.items}
    source = st.text_input(
        tr("designer.relevant"), value=section.relevant or "", key=f"{key}-relevant"
    ).strip()
    valid = True
    if source:
        try:
            questionnaires.check_expression(
                questionnaire, source, item=name or None, field="relevant", earlier=earlier
            )
        except ExpressionError as error:
            show_expression_error(error)
            valid = False
    up, down, delete, apply = st.columns(4)
    if up.button(tr("designer.move_up"), key="designer_section_up", disabled=index == 0):
        return try_edit(questionnaires.move_section, questionnaire, name, index - 1)
    if down.button(tr("designer.move_down"), key="designer_section_down", disabled=index == len(names) - 1):
        return try_edit(questionnaires.move_section, questionnaire, name, index + 1)
    confirm = st.checkbox(
        tr("designer.confirm_delete_section", count=len(section.items)),
        key=f"designer_section_confirm-{name}",
    )
    if delete.button(tr("designer.delete_section"), key="designer_section_delete", disabled=not confirm):
        return try_edit(questionnaires.delete_section, questionnaire, name)
    if apply.button(tr("designer.apply_section"), key="designer_section_apply"):
        if not valid:
            st.error(tr("designer.fix_first"))
            return None
        label = {language: text.strip() for language, text in (("zh", zh), ("en", en)) if text.strip()}
        return try_edit(
            questionnaires.update_section, questionnaire, name, label=label, relevant=source or None
        )
    return None


# --- the live preview ------------------------------------------------------------------------------


def preview_state() -> dict[str, Any]:
    return st.session_state.setdefault(PREVIEW_KEY, {"answers": {}, "cursor": None})


def preview_engine(questionnaire: Questionnaire) -> questionnaires.Interview:
    """The interview engine over the example case, with the preview's answers so far.

    Answers that the edited questionnaire no longer accepts (a deleted item, a removed choice)
    restart the preview rather than fail the page.
    """
    held = preview_state()
    try:
        engine = questionnaires.Interview(
            questionnaire, questionnaires.EXAMPLE_CASE, held["answers"], language=state.lang()
        )
    except QuestionnaireError:
        held.update(answers={}, cursor=None)
        engine = questionnaires.Interview(questionnaire, questionnaires.EXAMPLE_CASE, language=state.lang())
    cursor = held.get("cursor")
    if cursor:
        try:
            engine.go_to(cursor)
        except QuestionnaireError:
            held["cursor"] = None
    return engine


def preview(questionnaire: Questionnaire) -> None:
    """The interview as a surveyor sees it, on the example case; answers stay in this tab only."""
    held = preview_state()
    try:
        engine = preview_engine(questionnaire)
    except QuestionnaireError as error:  # e.g. a calculation that fails on the example case
        st.error(tr("designer.preview_failed", error=error))
        return
    case = ", ".join(f"{field}={value}" for field, value in questionnaires.EXAMPLE_CASE.items())
    st.caption(tr("designer.preview_case", case=case))
    question = engine.current()
    if question is None:
        st.success(tr("interview.complete"))
    else:
        st.caption(tr("designer.preview_progress", done=len(engine.answers), name=question.name))
        st.markdown(f"#### {question.label}")
        if question.hint:
            st.caption(question.hint)
        step = len(engine.answers)
        with st.form(f"designer_preview_form-{question.name}-{step}"):
            value, chosen = answer_widget(question, f"designer_preview-{question.name}-{step}")
            label = tr("interview.continue") if question.type == "note" else tr("interview.next")
            submitted = st.form_submit_button(label, type="primary")
        if submitted:
            if not chosen and question.required:
                st.error(tr("interview.choose"))
            else:
                try:
                    engine.answer(value)
                except QuestionnaireError as error:
                    st.error(tr("interview.invalid", error=error))
                else:
                    held.update(answers=engine.stored_answers(), cursor=None)
                    st.rerun()
    left, right = st.columns(2)
    if engine.can_go_back and left.button(tr("interview.back"), key="designer_preview_back"):
        held["cursor"] = engine.back().name
        st.rerun()
    if right.button(tr("designer.preview_restart"), key="designer_preview_restart"):
        held.update(answers={}, cursor=None)
        st.rerun()


# --- history -------------------------------------------------------------------------------------


def diff_rows(old: Questionnaire, new: Questionnaire) -> list[dict[str, str]]:
    def shown(value: Any) -> str:
        return "" if value is None else str(value)

    return [
        {
            tr("designer.where"): change.where,
            tr("designer.field"): change.field or "",
            tr("designer.kind"): change.kind,
            tr("designer.old"): shown(change.old),
            tr("designer.new"): shown(change.new),
        }
        for change in questionnaires.diff(old, new)
    ]
