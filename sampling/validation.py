"""Row-by-row checks of a mapped export, done column-wise so that a million rows take seconds.

Each check returns the positions it flags; nothing is dropped here. A row with any *rejected* issue
leaves the frame (and is kept in ``Frame.rejected``); a *repaired* issue (an old district name, a
reformatted phone number) changes the value and is reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sampling import textclean
from sampling.arrowtext import needs_strip, plain_timestamps, string_chunks
from sampling.phones import normalise_unusual
from sampling.vocabulary import DISTRICTS, REQUIRED_FIELDS, RatingScale, canonical_district

SHANGHAI_TZ = "Asia/Shanghai"
#: District codes of districts merged away, still found in old exports beside the old name.
_OLD_DISTRICT_CODES = {"310103": "黄浦区", "310108": "静安区", "310225": "浦东新区", "310230": "崇明区"}
_OFFSET = r"(?:Z|[+-]\d{2}:?\d{2})$"

REJECTED = "rejected"
REPAIRED = "repaired"

#: Fields with few distinct values: held as categoricals, checked once per distinct value.
CATEGORICAL_FIELDS: tuple[str, ...] = (
    "event_type",
    "domain",
    "channel",
    "district",
    "district_code",
    "organisation_id",
    "organisation",
    "staff_id",
    "service_date",
    "system_rating",
    "complaint_open",
)

_YES = {"是", "y", "yes", "true", "1", "t", "未办结", "open"}
_NO = {"否", "n", "no", "false", "0", "f", "已办结", "closed"}
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d")


@dataclass
class Issues:
    """Issues found so far, as parallel lists of arrays (positions are 0-based data rows)."""

    positions: list[np.ndarray]
    fields: list[str]
    values: list[pd.Series]
    reasons: list[pd.Series | str]
    actions: list[str]

    @classmethod
    def empty(cls) -> Issues:
        return cls([], [], [], [], [])

    def add(
        self,
        mask: np.ndarray,
        field: str,
        values: pd.Series,
        reason: pd.Series | str,
        action: str,
        show: Callable[[str], str] | None = None,
    ) -> None:
        """Record an issue on every row of ``mask``; values are rendered (``show``) only for those rows."""
        positions = np.flatnonzero(mask)
        if positions.size == 0:
            return
        shown = values.iloc[positions].astype("str").reset_index(drop=True)
        if show is not None:
            shown = shown.map(show, na_action="ignore")
        self.positions.append(positions)
        self.fields.append(field)
        self.values.append(shown)
        self.reasons.append(
            reason if isinstance(reason, str) else reason.iloc[positions].reset_index(drop=True)
        )
        self.actions.append(action)

    def table(self, rows: pd.Index, file: str) -> pd.DataFrame:
        """The report: one line per issue, in row order."""
        parts = []
        for positions, field, values, reason, action in zip(
            self.positions, self.fields, self.values, self.reasons, self.actions, strict=True
        ):
            parts.append(
                pd.DataFrame(
                    {
                        "position": positions,
                        "row": np.asarray(rows[positions]),
                        "field": field,
                        "value": values.to_numpy(),
                        "reason": reason.to_numpy() if isinstance(reason, pd.Series) else reason,
                        "action": action,
                    }
                )
            )
        columns = ["file", "row", "field", "value", "reason", "action"]
        if not parts:
            return pd.DataFrame({c: pd.Series(dtype="int64" if c == "row" else "str") for c in columns})
        report = pd.concat(parts, ignore_index=True)
        report.insert(0, "file", file)
        report = report.sort_values(["position", "field"], kind="stable").reset_index(drop=True)
        return report[columns].astype({"row": "int64"})

    def rejected_mask(self, length: int) -> np.ndarray:
        mask = np.zeros(length, dtype=bool)
        for positions, action in zip(self.positions, self.actions, strict=True):
            if action == REJECTED:
                mask[positions] = True
        return mask


def _codes_dtype(size: int) -> type:
    return np.int8 if size < 127 else np.int16 if size < 32767 else np.int32


def codes_of(column: pd.Series) -> np.ndarray:
    """A categorical's codes without the copy ``.cat.codes`` makes (read-only)."""
    return column.array.codes


def recode(column: pd.Series, new_names: list[str | None], categories: list[str] | None = None) -> pd.Series:
    """Rename each category of a categorical (None → missing), merging categories that get one name."""
    if categories is None:
        remap, uniques = pd.factorize(pd.Series(new_names, dtype=object), use_na_sentinel=True)
        categories = list(uniques)
    else:
        remap = np.array([categories.index(n) if n is not None else -1 for n in new_names], dtype=np.int64)
    lookup = np.append(remap, -1).astype(_codes_dtype(len(categories)))
    codes = lookup[codes_of(column)]
    categorical = pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories), validate=False)
    return pd.Series(categorical, index=column.index)


def drop_unused(column: pd.Series) -> pd.Series:
    """``cat.remove_unused_categories`` without its sort of every code."""
    codes = codes_of(column)
    used = np.bincount(codes[codes >= 0], minlength=len(column.cat.categories)) > 0
    if used.all():
        return column
    categories = list(column.cat.categories)
    return recode(
        column,
        [c if u else None for c, u in zip(categories, used, strict=True)],
        categories=[c for c, u in zip(categories, used, strict=True) if u],
    )


def per_row(column: pd.Series, per_category: list[bool]) -> np.ndarray:
    """A per-category flag spread to the rows (a missing value is never flagged)."""
    return np.array([*per_category, False], dtype=bool)[codes_of(column)]


def as_text(column: pd.Series) -> pd.Series:
    """Stripped text, categorical where the column already is; empty strings become missing."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        stripped = [str(c).strip() for c in column.cat.categories]
        if stripped == list(column.cat.categories) and "" not in stripped:
            return column
        return recode(column, [c if c else None for c in stripped])
    if not needs_strip(column):  # the usual export: nothing to strip, no empty strings (a byte-level check)
        return column.astype("str")
    text = column.astype("str").str.strip()
    empty = (text == "").fillna(False)
    return text.mask(empty) if empty.any() else text


def missing_mask(text: pd.Series) -> np.ndarray:
    return text.isna().to_numpy(dtype=bool)


def mask_phone(value: str) -> str:
    """Phones in reports are masked (138****5678): researchers must not see them."""
    digits = str(value)
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


def parse_datetimes(column: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parsed timestamps and a mask of values that are present but could not be parsed."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):  # an instant: the Shanghai wall-clock time it was
        local = column.dt.tz_convert(SHANGHAI_TZ).dt.tz_localize(None)
        return local.astype("datetime64[us]"), np.zeros(len(column), dtype=bool)
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.astype("datetime64[us]"), np.zeros(len(column), dtype=bool)
    text = as_text(column)
    if isinstance(text.dtype, pd.CategoricalDtype):
        parsed_categories, bad_categories = parse_datetimes(pd.Series(text.cat.categories, dtype="str"))
        codes = codes_of(text)
        lookup = np.append(parsed_categories.to_numpy(), np.datetime64("NaT", "us"))
        parsed = pd.Series(lookup[codes], index=column.index, copy=False)
        bad = np.append(bad_categories, False)[codes]
        return parsed, bad
    stamps, plain = plain_timestamps(text)  # the usual YYYY-MM-DD HH:MM:SS from its bytes
    rest = np.flatnonzero(~plain & text.notna().to_numpy(dtype=bool))
    if rest.size == len(text):
        parsed = _parse_text(text)
    else:
        parsed = pd.Series(stamps, index=text.index, copy=False)
        if rest.size:  # every other spelling as the general parser reads it, value by value
            parsed.iloc[rest] = _parse_text(text.iloc[rest]).to_numpy()
    return parsed, (parsed.isna() & text.notna()).to_numpy(dtype=bool)


def _parse_text(text: pd.Series) -> pd.Series:
    """ISO 8601 (a UTC offset taken to Shanghai time), then the other spellings exports use."""
    offset = text.str.contains(_OFFSET, regex=True, na=False).to_numpy(dtype=bool) if len(text) else None
    if offset is not None and offset.any():  # times with a UTC offset: each the Shanghai time it was
        parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
        zoned = pd.to_datetime(text[offset], format="ISO8601", errors="coerce", utc=True)
        parsed[offset] = zoned.dt.tz_convert(SHANGHAI_TZ).dt.tz_localize(None).astype("datetime64[us]")
        if (~offset).any():
            parsed[~offset] = pd.to_datetime(text[~offset], format="ISO8601", errors="coerce").astype(
                "datetime64[us]"
            )
    else:
        parsed = _iso(text)
    retry = parsed.isna() & text.notna()
    if retry.any():
        alternative = text[retry].str.replace(r"[年月/.]", "-", regex=True).str.replace("日", "").str.strip()
        for fmt in _DATE_FORMATS:
            still = parsed.isna() & text.notna()
            if not still.any():
                break
            parsed[still] = pd.to_datetime(alternative[still[retry]], format=fmt, errors="coerce")
    return parsed


def _iso(text: pd.Series) -> pd.Series:
    try:
        return pd.to_datetime(text, format="ISO8601", errors="coerce").astype("datetime64[us]")
    except (ValueError, OverflowError, TypeError):  # odd values pandas refuses as a whole: one at a time
        return pd.Series(
            [pd.to_datetime(value, format="ISO8601", errors="coerce") for value in text],
            index=text.index,
            dtype="datetime64[us]",
        )


def clean_text(column: pd.Series, field: str, issues: Issues, max_chars: int) -> pd.Series:
    """``as_text``, then placeholders made missing and look-alike or invisible characters cleaned
    (each a repair in the report); a value longer than ``max_chars`` rejects its row."""
    if isinstance(column.dtype, pd.CategoricalDtype):  # each distinct value once
        categories = pd.Series(column.cat.categories, dtype="str")
        stripped = categories.str.strip()
        unstripped = np.flatnonzero(((stripped != categories) | (stripped == "")).to_numpy(dtype=bool))
        placeholders = textclean.placeholder_positions(stripped)
        suspects = textclean.suspects(categories)
        too_long = (categories.str.len() > max_chars).to_numpy(dtype=bool)
        if not (unstripped.size or placeholders.size or suspects.size or too_long.any()):
            return column  # the usual export: nothing to change in any distinct value
        names: list[str | None] = categories.tolist()
        notes: list[str | None] = [None] * len(names)
        for i in unstripped:
            names[i] = stripped.iloc[i] or None
        for i in placeholders:
            notes[i] = f"placeholder {names[i]!r} read as a missing value"
            names[i] = None
        for i in suspects:
            if names[i] is not None and (cleaned := textclean.clean(names[i]).strip()) != names[i]:
                names[i], notes[i] = cleaned or None, _UNICODE_NOTE
        control = [name is not None and bool(textclean.CONTROL.search(name)) for name in names]
        if any(control):
            issues.add(per_row(column, control), field, column, _CONTROL_NOTE, REJECTED, show=_shorten)
        long = [name is not None and len(name) > max_chars for name in names]
        if any(n is not None for n in notes):
            reasons = pd.Series([*(n or "" for n in notes), ""], dtype="str")
            reason = pd.Series(reasons.to_numpy()[codes_of(column)], index=column.index)
            issues.add(per_row(column, [n is not None for n in notes]), field, column, reason, REPAIRED)
        if any(long):
            issues.add(per_row(column, long), field, column, _too_long(max_chars), REJECTED, show=_shorten)
        return recode(column, names)
    text = as_text(column)
    placeholders = textclean.placeholder_positions(text)
    if placeholders.size:
        mask = np.zeros(len(text), dtype=bool)
        mask[placeholders] = True
        reason = "placeholder '" + text.astype("str").str.strip() + "' read as a missing value"
        issues.add(mask, field, text, reason, REPAIRED)
        text = text.mask(mask)
    suspects = textclean.suspects(text)
    if suspects.size:
        before = text.iloc[suspects]
        after = before.map(lambda value: textclean.clean(value).strip() or None)
        changed = (after != before).fillna(True).to_numpy(dtype=bool)
        if changed.any():
            mask = np.zeros(len(text), dtype=bool)
            mask[suspects[changed]] = True
            issues.add(
                mask, field, text, _UNICODE_NOTE, REPAIRED, show=mask_phone if field == "phone" else None
            )
            text = text.copy()
            text.iloc[suspects[changed]] = after.iloc[changed].to_numpy()
        control = text.iloc[suspects].str.contains(textclean.CONTROL, na=False).to_numpy(dtype=bool)
        if control.any():
            mask = np.zeros(len(text), dtype=bool)
            mask[suspects[control]] = True
            issues.add(mask, field, text, _CONTROL_NOTE, REJECTED, show=_shorten)
    longest = max((pc.max(pc.utf8_length(chunk)).as_py() or 0 for chunk in string_chunks(text)), default=0)
    if longest > max_chars:
        issues.add(
            (text.str.len() > max_chars).fillna(False).to_numpy(dtype=bool),
            field,
            text,
            _too_long(max_chars),
            REJECTED,
            show=_shorten,
        )
    return text


_UNICODE_NOTE = (
    "characters cleaned (invisible or direction-changing characters removed, full-width or other-script "
    "digits and letters made plain)"
)


_CONTROL_NOTE = "a line break or control character inside the value (a quote left open joins lines)"


def _too_long(limit: int) -> str:
    return f"value longer than {limit:,} characters (FrameLimits.max_field_chars)"


def _shorten(value: str) -> str:
    return value if len(value) <= 60 else f"{value[:40]}… ({len(value):,} characters)"


def check_district_codes(codes: pd.Series, districts: pd.Series, issues: Issues) -> None:
    """A 区划代码 must be the district's code (or the old code of a merged district); else the row
    is rejected: which of the two is wrong cannot be known. Decided once per (code, district) pair."""
    if not isinstance(codes.dtype, pd.CategoricalDtype):
        codes = codes.astype("category")
    code_names = [str(c).strip() for c in codes.cat.categories]
    district_names = [str(d) for d in districts.cat.categories]
    width = len(district_names) + 1
    pair = (codes_of(codes).astype(np.int64) + 1) * width + (codes_of(districts).astype(np.int64) + 1)
    present = np.flatnonzero(np.bincount(pair, minlength=(len(code_names) + 1) * width))
    by_code = {code: name for name, code in DISTRICTS.items()}
    reasons: dict[int, str] = {}
    for value in present:
        code_index, district_index = divmod(int(value), width)
        if code_index == 0 or district_index == 0:
            continue  # a missing code or district: nothing to compare
        code, district = code_names[code_index - 1], district_names[district_index - 1]
        if DISTRICTS.get(district) == code or _OLD_DISTRICT_CODES.get(code) == district:
            continue
        said = by_code.get(code) or _OLD_DISTRICT_CODES.get(code)
        reasons[int(value)] = (
            f"district code {code} is {said}, but the district is {district}"
            if said
            else f"unknown district code {code} (the district is {district})"
        )
    if not reasons:
        return
    lookup = np.zeros((len(code_names) + 1) * width, dtype=bool)
    lookup[list(reasons)] = True
    wrong = lookup[pair]
    reason = pd.Series(pd.NA, index=codes.index, dtype="str")
    reason.iloc[np.flatnonzero(wrong)] = [reasons[int(v)] for v in pair[wrong]]
    issues.add(wrong, "district_code", codes, reason, REJECTED)


def check_rating_after_service(
    service: pd.Series, rating: pd.Series, source: pd.Series, issues: Issues
) -> None:
    """A rating recorded before the service day is a contradiction: rejected, never guessed."""
    # the service date is a day's midnight: a rating before it is a rating on an earlier day (NaT: False)
    before = rating.to_numpy(dtype="datetime64[us]") < service.to_numpy(dtype="datetime64[us]")
    if before.any():
        reason = pd.Series(pd.NA, index=rating.index, dtype="str")
        served = service.to_numpy(dtype="datetime64[us]")[before].astype("datetime64[D]")
        reason.iloc[np.flatnonzero(before)] = [
            f"rating time before the service date ({np.datetime_as_string(d)})" for d in served
        ]
        issues.add(before, "rating_time", source, reason, REJECTED)


def check_required(frame: pd.DataFrame, issues: Issues) -> None:
    for field in REQUIRED_FIELDS:
        issues.add(missing_mask(frame[field]), field, frame[field], "missing value", REJECTED)


def _surely_unique(ids: pd.Series) -> bool:
    """Cheap proofs of uniqueness first: most exports list record ids in increasing order."""
    array = pa.chunked_array(pa.array(ids))  # chunk by chunk: no copy of the column into one buffer
    if len(array) < 2:
        return True
    if array.null_count == 0 and pc.all(pc.greater(array.slice(1), array.slice(0, len(array) - 1))).as_py():
        return True
    return bool(pd.Index(ids.dropna()).is_unique)


def check_record_ids(ids: pd.Series, rows: pd.Index, issues: Issues) -> None:
    if _surely_unique(ids):
        return
    present = ids.notna().to_numpy(dtype=bool)
    duplicate = ids.duplicated(keep="first").to_numpy(dtype=bool) & present
    if duplicate.any():
        dup_values = ids[duplicate]
        first_rows = pd.Series(rows.to_numpy(), index=ids.to_numpy())
        first_rows = first_rows[~first_rows.index.duplicated(keep="first")]
        reason = pd.Series(pd.NA, index=ids.index, dtype="str")
        reason[duplicate] = (
            "duplicate record id (first seen on row "
            + first_rows.reindex(dup_values.to_numpy()).astype("str").to_numpy()
            + ")"
        )
        issues.add(duplicate, "record_id", ids, reason, REJECTED)


def normalise_districts(districts: pd.Series, issues: Issues) -> pd.Series:
    """Canonical names; old names mapped (repaired), unknown names rejected."""
    names = [str(name) for name in districts.cat.categories]
    canonical = [canonical_district(name) for name in names]
    issues.add(
        per_row(districts, [c is None for c in canonical]),
        "district",
        districts,
        "unknown district (not one of Shanghai's 16 districts or 市局)",
        REJECTED,
    )
    renamed = [c is not None and c != name for c, name in zip(canonical, names, strict=True)]
    if any(renamed):
        reasons = pd.Series([f"old or short name mapped to {c}" for c in canonical] + [""], dtype="str")
        reason = pd.Series(reasons.to_numpy()[codes_of(districts)], index=districts.index)
        issues.add(per_row(districts, renamed), "district", districts, reason, REPAIRED)
    return recode(districts, canonical, categories=[d for d in DISTRICTS if d in canonical])


def district_codes(districts: pd.Series) -> pd.Series:
    return recode(districts, [DISTRICTS[d] for d in districts.cat.categories])


def normalise_ratings(ratings: pd.Series, scale: RatingScale, issues: Issues) -> pd.Series:
    codes = [scale.code_for(label) for label in ratings.cat.categories]
    labels = "、".join(level.zh for level in scale.levels)
    issues.add(
        per_row(ratings, [c is None for c in codes]),
        "system_rating",
        ratings,
        f"unknown rating label (scale {scale.name}: {labels})",
        REJECTED,
    )
    return recode(ratings, codes, categories=scale.codes)


def check_dates(
    column: pd.Series,
    field: str,
    as_of: dt.date,
    issues: Issues,
    whole_day: bool,
    earliest: dt.date = dt.date(2015, 1, 1),
) -> pd.Series:
    limit = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    first = pd.Timestamp(earliest)
    too_early = f"implausible date (before {earliest.isoformat()}, when the rating system began)"
    text = column if pd.api.types.is_datetime64_any_dtype(column) else as_text(column)
    if isinstance(text.dtype, pd.CategoricalDtype):  # parse, check and normalise each distinct value once
        parsed, bad = parse_datetimes(pd.Series(text.cat.categories, dtype="str"))
        future = (parsed >= limit).to_numpy(dtype=bool)
        early = (parsed < first).to_numpy(dtype=bool)
        parsed = parsed.mask(future | early)
        if whole_day:
            parsed = parsed.dt.normalize()
        codes = codes_of(text)
        issues.add(np.append(bad, False)[codes], field, column, "unparsable date (use YYYY-MM-DD)", REJECTED)
        issues.add(
            np.append(future, False)[codes],
            field,
            column,
            f"date in the future (after {as_of.isoformat()})",
            REJECTED,
        )
        issues.add(np.append(early, False)[codes], field, column, too_early, REJECTED)
        values = np.append(parsed.to_numpy(), np.datetime64("NaT", "us"))[codes]
        return pd.Series(values, index=column.index, copy=False)
    parsed, bad = parse_datetimes(column)
    issues.add(bad, field, column, "unparsable date (use YYYY-MM-DD)", REJECTED)
    future = (parsed >= limit).to_numpy(dtype=bool)
    issues.add(future, field, column, f"date in the future (after {as_of.isoformat()})", REJECTED)
    early = (parsed < first).to_numpy(dtype=bool)
    issues.add(early, field, column, too_early, REJECTED)
    if early.any() or future.any():  # rejected rows leave; their dates need not be stored or normalised
        parsed = parsed.mask(early | future)
    return parsed.dt.normalize() if whole_day else parsed


def normalise_phone_column(phones: pd.Series, issues: Issues) -> pd.Series:
    normalised, unusual, why = normalise_unusual(phones, stripped=True)
    if not unusual.size:  # every number plain: nothing invalid, nothing changed
        return normalised
    invalid = np.zeros(len(phones), dtype=bool)
    invalid[unusual[why.notna().to_numpy(dtype=bool)]] = True
    if invalid.any():
        reasons = pd.Series(pd.NA, index=phones.index, dtype="str")
        reasons.iloc[unusual] = why.to_numpy()
        reason = pd.Series(pd.NA, index=phones.index, dtype="str")
        reason[invalid] = "invalid phone number: " + reasons[invalid]
        issues.add(invalid, "phone", phones, reason, REJECTED, show=mask_phone)
    now, before = normalised.iloc[unusual], phones.astype("str").iloc[unusual]
    changed = np.zeros(len(phones), dtype=bool)
    changed[unusual[(now.notna() & (now != before)).to_numpy(dtype=bool)]] = True
    if changed.any():
        reason = pd.Series(pd.NA, index=phones.index, dtype="str")
        reason[changed] = "normalised to " + normalised[changed].map(mask_phone)
        issues.add(changed, "phone", phones, reason, REPAIRED, show=mask_phone)
    return normalised


def normalise_flags(flags: pd.Series, field: str, issues: Issues) -> pd.Series:
    """Yes/no values (是/否, true/false, 1/0); an empty value means no."""
    text = as_text(flags)
    if not isinstance(text.dtype, pd.CategoricalDtype):
        text = text.astype("category")
    words = [str(c).lower() for c in text.cat.categories]
    yes = per_row(text, [w in _YES for w in words])
    unknown = per_row(text, [w not in _YES and w not in _NO for w in words])
    issues.add(unknown, field, flags, "not a yes/no value (是/否)", REJECTED)
    return pd.Series(yes, index=flags.index, dtype="bool")
