"""What an achievement's definition must be: Open Badges 3.0 data built from what a person
typed, and the checks it passes before it is stored — the strict OB 3.0 model, plus what
openler needs (web addresses that are URLs, vocabularies with ``ext:`` extensions, named
and distinct rows). A refusal names each field and row with what to do
(:class:`InvalidAchievement`), in words a person reads (:func:`label`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from openler.services.errors import UsageError
from openler.vc import ACHIEVEMENT_TYPES, ALIGNMENT_TARGET_TYPES, RESULT_TYPES
from openler.vc import Achievement as AchievementModel

MAX_VALID_DAYS = 36_500
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$")
#: slugs that name pages, not achievements
RESERVED_SLUGS = ("new",)
#: a person's words for the fields of the definition, for messages and change lists
LABELS = {
    "slug": "Short name",
    "name": "Name",
    "description": "Description",
    "criteria": "Criteria",
    "criteria.narrative": "Criteria",
    "criteria.id": "Criteria web page",
    "achievementType": "Type",
    "creditsAvailable": "Credits",
    "fieldOfStudy": "Field of study",
    "specialization": "Specialization",
    "tag": "Tags",
    "image": "Image",
    "valid_days": "Valid for (days)",
    "alignment": "Alignments",
    "resultDescription": "Results",
    "humanCode": "Code",
}
ROW_LABELS = {"alignment": "Alignment", "resultDescription": "Result"}
FIELD_LABELS = {
    "targetName": "name",
    "targetUrl": "web address",
    "targetType": "type",
    "targetCode": "code",
    "targetFramework": "framework",
    "targetDescription": "description",
    "name": "name",
    "resultType": "kind of result",
    "allowedValue": "allowed values",
    "requiredValue": "required value",
    "valueMin": "lowest value",
    "valueMax": "highest value",
}


def label(where: str) -> str:
    """A field path as a person reads it.

    >>> label("alignment.2.targetUrl"), label("criteria.narrative")
    ('Alignment 2, web address', 'Criteria')
    """
    parts = where.split(".")
    if len(parts) >= 2 and parts[0] in ROW_LABELS and parts[1].isdigit():
        row = f"{ROW_LABELS[parts[0]]} {parts[1]}"
        return f"{row}, {FIELD_LABELS.get(parts[2], parts[2])}" if len(parts) > 2 else row
    return LABELS.get(where, where)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition: ``where`` is a field path (rows counted from 1,
    ``alignment.2.targetUrl``), ``message`` says what to do."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{label(self.where)}: {self.message}"


class InvalidAchievement(UsageError):  # noqa: N818 - names the refusal
    """A definition that cannot be stored, with every problem found."""

    code = "invalid_achievement"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


# --- building and checking a definition ------------------------------------------------


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def definition(
    *,
    name: str,
    description: str,
    criteria: str = "",
    criteria_url: str = "",
    achievement_type: str = "",
    credits: str = "",
    field_of_study: str = "",
    specialization: str = "",
    tags: str = "",
    alignments: list[dict[str, str]] | None = None,
    results: list[dict[str, str]] | None = None,
) -> tuple[dict[str, Any], list[Problem]]:
    """OB 3.0 Achievement data from what a person typed (a form, the command line): blank
    fields and rows left out, tags and allowed values split at commas. Returns the data and
    the problems found reading it (a number that is not one); :func:`check` does the rest.

    >>> data, problems = definition(name="RN", description="Nurse", criteria="Pass NCLEX",
    ...                             tags="nursing, licence", credits="1.5")
    >>> data["criteria"], data["tag"], data["creditsAvailable"], problems
    ({'narrative': 'Pass NCLEX'}, ['nursing', 'licence'], 1.5, [])
    """
    problems: list[Problem] = []
    data: dict[str, Any] = {"name": name.strip(), "description": description.strip()}
    crit = {"id": criteria_url.strip(), "narrative": criteria.strip()}
    data["criteria"] = {k: v for k, v in crit.items() if v}
    optional = {
        "achievementType": achievement_type.strip(),
        "fieldOfStudy": field_of_study.strip(),
        "specialization": specialization.strip(),
    }
    data.update({k: v for k, v in optional.items() if v})
    if credits.strip():
        try:
            number = float(credits.strip().replace(",", "."))
        except ValueError:
            problems.append(Problem("creditsAvailable", "give a number, such as 3 or 1.5"))
        else:
            data["creditsAvailable"] = int(number) if number.is_integer() else number
    tag_list = list(dict.fromkeys(t.strip() for t in tags.split(",") if t.strip()))
    if tag_list:
        data["tag"] = tag_list
    rows = [
        {k: v.strip() for k, v in row.items() if isinstance(v, str) and v.strip()}
        for row in alignments or []
    ]
    if any(rows):
        data["alignment"] = [{"type": ["Alignment"], **row} for row in rows if row]
    described = []
    for row in results or []:
        kept: dict[str, Any] = {k: v.strip() for k, v in row.items() if v and v.strip()}
        if not any(k != "id" for k in kept):  # a row emptied but for its kept id is removed
            continue
        if "allowedValue" in kept:
            kept["allowedValue"] = [v.strip() for v in kept["allowedValue"].split(",") if v.strip()]
        described.append({"type": ["ResultDescription"], **kept})
    if described:
        data["resultDescription"] = described
    return data, problems


def _is_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def _extensible(value: str, vocabulary: list[str]) -> bool:
    return value in vocabulary or re.fullmatch(r"ext:[A-Za-z0-9._-]+", value) is not None


def _check_rows(data: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    for n, row in enumerate(data.get("alignment") or [], 1):
        where = f"alignment.{n}"
        if not isinstance(row, dict):
            problems.append(Problem(where, "give an object with targetName and targetUrl"))
            continue
        if not _text(row.get("targetName")):
            problems.append(Problem(f"{where}.targetName", "give the skill's or occupation's name"))
        if not _is_url(row.get("targetUrl")):
            problems.append(
                Problem(f"{where}.targetUrl", "give its web address, starting with https://")
            )
        kind = row.get("targetType")
        if kind is not None and not _extensible(str(kind), ALIGNMENT_TARGET_TYPES):
            problems.append(
                Problem(
                    f"{where}.targetType",
                    f"{kind!r} is not a type OB 3.0 knows; use one of "
                    f"{', '.join(ALIGNMENT_TARGET_TYPES)}, or ext:YourName (ext:ONET)",
                )
            )
    names: set[str] = set()
    for n, row in enumerate(data.get("resultDescription") or [], 1):
        where = f"resultDescription.{n}"
        if not isinstance(row, dict):
            problems.append(Problem(where, "give an object with name and resultType"))
            continue
        name = _text(row.get("name"))
        if not name:
            problems.append(Problem(f"{where}.name", "give the result a name (Final score)"))
        elif name.lower() in names:
            problems.append(Problem(f"{where}.name", f"another result is named {name!r}"))
        names.add(name.lower())
        kind = _text(row.get("resultType"))
        if not kind or not _extensible(kind, RESULT_TYPES):
            problems.append(
                Problem(
                    f"{where}.resultType",
                    f"choose one of {', '.join(RESULT_TYPES)}, or ext:YourName",
                )
            )
        allowed, required = row.get("allowedValue"), row.get("requiredValue")
        if isinstance(allowed, list) and required is not None and required not in allowed:
            problems.append(
                Problem(f"{where}.requiredValue", f"{required!r} is not among the allowed values")
            )
    return problems


def _model_problems(exc: ValidationError) -> list[Problem]:
    """Pydantic's errors as problems at the field (and row) a person filled in: one per
    field, whichever alternative of a union the message came from."""
    found: dict[str, str] = {}
    for error in exc.errors():
        loc = [p + 1 if isinstance(p, int) else p for p in error["loc"]]
        depth = 3 if loc and loc[0] in ROW_LABELS else 2 if loc[:1] == ["criteria"] else 1
        where = ".".join(str(p) for p in loc[:depth]) or "achievement"
        message = str(error["msg"]).removeprefix("Value error, ")
        found[where] = "is required" if error["type"] == "missing" else message
    return [Problem(where, message) for where, message in found.items()]


def check(data: dict[str, Any], valid_days: int | None) -> None:
    """Refuse a complete definition (``id`` and ``type`` set) that is not a strict OB 3.0
    Achievement or that openler cannot use, naming every problem."""
    problems: list[Problem] = []
    if not _text(data.get("name")):
        problems.append(Problem("name", "give the achievement a name"))
    if not _text(data.get("description")):
        problems.append(Problem("description", "say in a sentence what it recognises"))
    criteria = data.get("criteria")
    if not isinstance(criteria, dict) or not (
        _text(criteria.get("narrative")) or criteria.get("id")
    ):
        problems.append(
            Problem("criteria", "say what someone must do to earn it, or link to a page that does")
        )
    elif criteria.get("id") is not None and not _is_url(criteria["id"]):
        problems.append(Problem("criteria.id", "give a web address starting with https://"))
    kind = data.get("achievementType")
    if kind is not None and not _extensible(str(kind), ACHIEVEMENT_TYPES):
        problems.append(
            Problem("achievementType", f"{kind!r} is not an OB 3.0 type; choose one, or ext:Name")
        )
    credits = data.get("creditsAvailable")
    if isinstance(credits, int | float) and not isinstance(credits, bool) and credits < 0:
        problems.append(Problem("creditsAvailable", "credits cannot be negative"))
    if valid_days is not None and not 1 <= valid_days <= MAX_VALID_DAYS:
        problems.append(
            Problem("valid_days", f"give a number of days from 1 to {MAX_VALID_DAYS}, or none")
        )
    problems += _check_rows(data)
    if not problems:
        try:
            AchievementModel.model_validate(data, context={"strict": True})
        except ValidationError as exc:
            problems += _model_problems(exc)
    if problems:
        raise InvalidAchievement(problems)


def check_slug(slug: str) -> None:
    if not SLUG.match(slug) or slug in RESERVED_SLUGS:
        raise InvalidAchievement(
            [
                Problem(
                    "slug",
                    "use lower-case letters, digits and hyphens (registered-nurse), at most "
                    "120 characters" + ("; 'new' is taken by a page" if slug == "new" else ""),
                )
            ]
        )
