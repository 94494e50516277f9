"""Row-by-row checks of a mapped export, done column-wise so that a million rows take seconds.

Each check returns the positions it flags; nothing is dropped here. A row with any *rejected* issue
leaves the frame (and is kept in ``Frame.rejected``); a *repaired* issue (an old district name, a
reformatted phone number) changes the value and is reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sampling.phones import normalise_phones
from sampling.vocabulary import DISTRICTS, REQUIRED_FIELDS, RatingScale, canonical_district

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
        self, mask: np.ndarray, field: str, values: pd.Series, reason: pd.Series | str, action: str
    ) -> None:
        positions = np.flatnonzero(mask)
        if positions.size == 0:
            return
        self.positions.append(positions)
        self.fields.append(field)
        self.values.append(values.iloc[positions].astype("str").reset_index(drop=True))
        self.reasons.append(
            reason if isinstance(reason, str) else reason.iloc[positions].reset_index(drop=True)
        )
        self.actions.append(action)

    def table(self, rows: pd.Series, file: str) -> pd.DataFrame:
        """The report: one line per issue, in row order."""
        parts = []
        for positions, field, values, reason, action in zip(
            self.positions, self.fields, self.values, self.reasons, self.actions, strict=True
        ):
            parts.append(
                pd.DataFrame(
                    {
                        "position": positions,
                        "row": rows.to_numpy()[positions],
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


def recode(column: pd.Series, new_names: list[str | None], categories: list[str] | None = None) -> pd.Series:
    """Rename each category of a categorical (None → missing), merging categories that get one name."""
    if categories is None:
        remap, uniques = pd.factorize(pd.Series(new_names, dtype=object), use_na_sentinel=True)
        categories = list(uniques)
    else:
        remap = np.array([categories.index(n) if n is not None else -1 for n in new_names], dtype=np.int64)
    codes = np.append(remap, -1)[column.cat.codes.to_numpy()]
    return pd.Series(pd.Categorical.from_codes(codes, categories=categories), index=column.index)


def per_row(column: pd.Series, per_category: list[bool]) -> np.ndarray:
    """A per-category flag spread to the rows (a missing value is never flagged)."""
    return np.array([*per_category, False], dtype=bool)[column.cat.codes.to_numpy()]


def as_text(column: pd.Series) -> pd.Series:
    """Stripped text, categorical where the column already is; empty strings become missing."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        stripped = [str(c).strip() for c in column.cat.categories]
        return recode(column, [c if c else None for c in stripped])
    text = column.astype("str").str.strip()
    return text.mask(text == "")


def missing_mask(text: pd.Series) -> np.ndarray:
    return text.isna().to_numpy(dtype=bool)


def mask_phone(value: str) -> str:
    """Phones in reports are masked (138****5678): researchers must not see them."""
    digits = str(value)
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


def parse_datetimes(column: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parsed timestamps and a mask of values that are present but could not be parsed."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.astype("datetime64[us]"), np.zeros(len(column), dtype=bool)
    text = as_text(column)
    if isinstance(text.dtype, pd.CategoricalDtype):
        parsed_categories, bad_categories = parse_datetimes(pd.Series(text.cat.categories, dtype="str"))
        codes = text.cat.codes.to_numpy()
        lookup = np.append(parsed_categories.to_numpy(), np.datetime64("NaT", "us"))
        parsed = pd.Series(lookup[codes], index=column.index)
        bad = np.append(bad_categories, False)[codes]
        return parsed, bad
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce").astype("datetime64[us]")
    retry = parsed.isna() & text.notna()
    if retry.any():
        alternative = text[retry].str.replace(r"[年月/.]", "-", regex=True).str.replace("日", "").str.strip()
        for fmt in _DATE_FORMATS:
            still = parsed.isna() & text.notna()
            if not still.any():
                break
            parsed[still] = pd.to_datetime(alternative[still[retry]], format=fmt, errors="coerce")
    return parsed, (parsed.isna() & text.notna()).to_numpy(dtype=bool)


def check_required(frame: pd.DataFrame, issues: Issues) -> None:
    for field in REQUIRED_FIELDS:
        issues.add(missing_mask(frame[field]), field, frame[field], "missing value", REJECTED)


def check_record_ids(ids: pd.Series, rows: pd.Series, issues: Issues) -> None:
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
        reason = pd.Series(reasons.to_numpy()[districts.cat.codes.to_numpy()], index=districts.index)
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


def check_dates(column: pd.Series, field: str, as_of: dt.date, issues: Issues, whole_day: bool) -> pd.Series:
    parsed, bad = parse_datetimes(column)
    shown = column.astype("str")
    issues.add(bad, field, shown, "unparsable date (use YYYY-MM-DD)", REJECTED)
    limit = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    future = (parsed >= limit).to_numpy(dtype=bool)
    issues.add(future, field, shown, f"date in the future (after {as_of.isoformat()})", REJECTED)
    return parsed.dt.normalize() if whole_day else parsed


def normalise_phone_column(phones: pd.Series, issues: Issues) -> pd.Series:
    normalised, reasons = normalise_phones(phones)
    masked = phones.astype("str").map(mask_phone, na_action="ignore")
    invalid = reasons.notna().to_numpy(dtype=bool)
    issues.add(invalid, "phone", masked, "invalid phone number: " + reasons.fillna(""), REJECTED)
    compact = phones.astype("str").str.strip()
    changed = (normalised.notna() & (normalised != compact)).to_numpy(dtype=bool)
    if changed.any():
        reason = "normalised to " + normalised.fillna("").map(mask_phone)
        issues.add(changed, "phone", masked, reason, REPAIRED)
    return normalised


def normalise_flags(flags: pd.Series, field: str, issues: Issues) -> pd.Series:
    """Yes/no values (是/否, true/false, 1/0); an empty value means no."""
    text = as_text(flags).astype("str").str.lower()
    yes = text.isin(list(_YES)).to_numpy(dtype=bool)
    no = text.isin(list(_NO)).to_numpy(dtype=bool) | text.isna().to_numpy(dtype=bool)
    issues.add(~yes & ~no, field, flags.astype("str"), "not a yes/no value (是/否)", REJECTED)
    return pd.Series(yes, index=flags.index, dtype="bool")
