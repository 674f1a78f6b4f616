"""Pydantic models of VC 2.0, Open Badges 3.0 and CLR 2.0 documents.

The models give typed access to credentials and encode the rules of the 1EdTech JSON
schemas for OB 3.0 (``AchievementCredential``) and CLR 2.0 (``ClrCredential``): required
properties, value types, enumerations with ``ext:`` extensions, patterns, and which
objects are closed to other properties.

Two ways to use them:

* ``Model.model_validate(data)`` reads a document and keeps every property, including ones
  the model does not know, so ``to_json()`` gives back exactly what was read.
* :func:`schema_errors` applies the schema rules strictly, including the closed objects,
  and returns human-readable problems (an empty list when the document conforms).

Deliberate differences from the reference schemas (which predate VC 2.0), so that VC 2.0
credentials are judged correctly; ``docs/standards.md`` lists them too:

* With the VC 2.0 context, ``validFrom`` is required and ``validUntil`` optional in place of
  ``issuanceDate`` / ``expirationDate`` (which stay required with the VC 1.1 context).
* ``credentialStatus`` is open, so a ``BitstringStatusListEntry`` is accepted.
* ``credentialSchema`` may be a single object as well as an array (VC 2.0).

>>> issuer = Profile.model_validate({"id": "did:example:board", "type": ["Profile"], "x": 1})
>>> issuer.to_json()["x"]
1
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    model_validator,
)

from openler.vc.dates import parse_datetime
from openler.vc.errors import InputError

VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_V2 = "https://www.w3.org/ns/credentials/v2"

ACHIEVEMENT_TYPES = [
    "Achievement",
    "ApprenticeshipCertificate",
    "Assessment",
    "Assignment",
    "AssociateDegree",
    "Award",
    "Badge",
    "BachelorDegree",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "CommunityService",
    "Competency",
    "Course",
    "CoCurricular",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "Fieldwork",
    "GeneralEducationDevelopment",
    "JourneymanCertificate",
    "LearningProgram",
    "License",
    "Membership",
    "ProfessionalDoctorate",
    "QualityAssuranceCredential",
    "MasterCertificate",
    "MasterDegree",
    "MicroCredential",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
]
IDENTIFIER_TYPES = [
    "sourcedId",
    "systemId",
    "productId",
    "userName",
    "accountId",
    "emailAddress",
    "nationalIdentityNumber",
    "isbn",
    "issn",
    "lisSourcedId",
    "oneRosterSourcedId",
    "sisSourcedId",
    "ltiContextId",
    "ltiDeploymentId",
    "ltiToolId",
    "ltiPlatformId",
    "ltiUserId",
    "identifier",
]
ALIGNMENT_TARGET_TYPES = [
    "ceasn:Competency",
    "ceterms:Credential",
    "CFItem",
    "CFRubric",
    "CFRubricCriterion",
    "CFRubricCriterionLevel",
    "CTDL",
]
RESULT_TYPES = [
    "GradePointAverage",
    "LetterGrade",
    "Percent",
    "PerformanceLevel",
    "PredictedScore",
    "RawScore",
    "Result",
    "RubricCriterion",
    "RubricCriterionLevel",
    "RubricScore",
    "ScaledScore",
    "Status",
]
RESULT_STATUSES = ["Completed", "Enrolled", "Failed", "InProgress", "OnHold", "Withdrew"]
ASSOCIATION_TYPES = [
    "exactMatchOf",
    "isChildOf",
    "isParentOf",
    "isPartOf",
    "isPeerOf",
    "isRelatedTo",
    "precedes",
    "replacedBy",
]

# The schemas' extension pattern; JSON Schema patterns are unanchored searches.
_EXT = re.compile(r"(ext:)[a-z|A-Z|0-9|.|-|_]+")
_JWT = re.compile(r"^[a-zA-Z0-9_-]+\.[a-zA-Z0-9_-]*\.[a-zA-Z0-9_-]+$")
_LANGUAGE = re.compile(r"^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")


def _extensible(allowed: list[str]) -> Any:
    def check(value: str) -> str:
        if value not in allowed and not _EXT.search(value):
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)} or an ext: value")
        return value

    return AfterValidator(check)


def _pattern(regex: re.Pattern[str], what: str) -> Any:
    def check(value: str) -> str:
        if not regex.search(value):
            raise ValueError(f"{value!r} is not {what}")
        return value

    return AfterValidator(check)


def validate_datetime(value: str) -> str:
    """The date-time rule of every ``DateTime`` field (``parse_datetime`` reads it)."""
    try:
        parse_datetime(value)
    except InputError as exc:
        raise ValueError(exc.message) from None
    return value


Str = StrictStr
Number = StrictInt | StrictFloat
DateTime = Annotated[StrictStr, AfterValidator(validate_datetime)]
Types = StrictStr | Annotated[list[StrictStr], Field(min_length=1)]
Jwt = Annotated[StrictStr, _pattern(_JWT, "a compact JWS")]
Language = Annotated[StrictStr, _pattern(_LANGUAGE, "a BCP 47 language tag")]
AchievementType = Annotated[StrictStr, _extensible(ACHIEVEMENT_TYPES)]
IdentifierType = Annotated[StrictStr, _extensible(IDENTIFIER_TYPES)]
AlignmentTargetType = Annotated[StrictStr, _extensible(ALIGNMENT_TARGET_TYPES)]
ResultType = Annotated[StrictStr, _extensible(RESULT_TYPES)]


class LDModel(BaseModel):
    """Base of every model: unknown properties are kept; ``closed`` ones reject them in
    strict schema validation (``context={"strict": True}``)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    closed: ClassVar[bool] = False

    @model_validator(mode="after")
    def _closed_objects(self, info: ValidationInfo) -> Any:
        if self.closed and info.context and info.context.get("strict") and self.model_extra:
            names = ", ".join(sorted(self.model_extra))
            raise ValueError(f"{type(self).__name__} does not allow the properties: {names}")
        return self

    def to_json(self) -> dict[str, Any]:
        """The JSON object, exactly as read (plus any fields set since)."""
        data: dict[str, Any] = self.model_dump(by_alias=True, exclude_unset=True, mode="json")
        return data


class Image(LDModel):
    closed = True
    id: Str
    type: Str
    caption: Str | None = None


class IdentifierEntry(LDModel):
    closed = True
    type: Str
    identifier: Str
    identifierType: IdentifierType


class IdentityObject(LDModel):
    closed = True
    type: Str
    hashed: StrictBool
    identityHash: Str
    identityType: IdentifierType
    salt: Str | None = None


class GeoCoordinates(LDModel):
    closed = True
    type: Str
    latitude: Number
    longitude: Number


class Address(LDModel):
    closed = True
    type: Types
    addressCountry: Str | None = None
    addressCountryCode: Str | None = None
    addressRegion: Str | None = None
    addressLocality: Str | None = None
    streetAddress: Str | None = None
    postOfficeBoxNumber: Str | None = None
    postalCode: Str | None = None
    geo: GeoCoordinates | None = None


class Profile(LDModel):
    """An issuer, creator or other party (OB 3.0 Profile)."""

    id: Str
    type: Types
    name: Str | None = None
    url: Str | None = None
    phone: Str | None = None
    description: Str | None = None
    endorsement: list[EndorsementCredential] | None = None
    endorsementJwt: list[Jwt] | None = None
    image: Image | None = None
    email: Str | None = None
    address: Address | None = None
    otherIdentifier: list[IdentifierEntry] | None = None
    official: Str | None = None
    parentOrg: Profile | None = None
    familyName: Str | None = None
    givenName: Str | None = None
    additionalName: Str | None = None
    patronymicName: Str | None = None
    honorificPrefix: Str | None = None
    honorificSuffix: Str | None = None
    familyNamePrefix: Str | None = None
    dateOfBirth: Str | None = None


class Alignment(LDModel):
    """A link from an achievement or result to a framework item (CASE, CTDL, O*NET …)."""

    type: Types
    targetCode: Str | None = None
    targetDescription: Str | None = None
    targetName: Str
    targetFramework: Str | None = None
    targetType: AlignmentTargetType | None = None
    targetUrl: Str


class Criteria(LDModel):
    id: Str | None = None
    narrative: Str | None = None


class RubricCriterionLevel(LDModel):
    id: Str
    type: Types
    alignment: list[Alignment] | None = None
    description: Str | None = None
    level: Str | None = None
    name: Str
    points: Str | None = None


class ResultDescription(LDModel):
    id: Str
    type: Types
    alignment: list[Alignment] | None = None
    allowedValue: list[Str] | None = None
    name: Str
    requiredLevel: Str | None = None
    requiredValue: Str | None = None
    resultType: ResultType
    rubricCriterionLevel: list[RubricCriterionLevel] | None = None
    valueMax: Str | None = None
    valueMin: Str | None = None


class Related(LDModel):
    closed = True
    id: Str
    language: Language | None = Field(default=None, alias="@language")
    version: Str | None = None


class Achievement(LDModel):
    """What can be earned: a license, certification, course, competency …"""

    id: Str
    type: Types
    alignment: list[Alignment] | None = None
    achievementType: AchievementType | None = None
    creator: Profile | None = None
    creditsAvailable: Number | None = None
    criteria: Criteria
    description: Str
    endorsement: list[EndorsementCredential] | None = None
    endorsementJwt: list[Jwt] | None = None
    fieldOfStudy: Str | None = None
    humanCode: Str | None = None
    image: Image | None = None
    language: Language | None = Field(default=None, alias="@language")
    name: Str
    otherIdentifier: list[IdentifierEntry] | None = None
    related: list[Related] | None = None
    resultDescription: list[ResultDescription] | None = None
    specialization: Str | None = None
    tag: list[Str] | None = None
    version: Str | None = None


class Result(LDModel):
    type: Types
    achievedLevel: Str | None = None
    alignment: list[Alignment] | None = None
    resultDescription: Str | None = None
    status: (
        Literal["Completed", "Enrolled", "Failed", "InProgress", "OnHold", "Withdrew"] | None
    ) = None
    value: Str | None = None


class AchievementSubject(LDModel):
    """The learner and what they achieved."""

    closed = True
    id: Str | None = None
    type: Types
    activityEndDate: DateTime | None = None
    activityStartDate: DateTime | None = None
    creditsEarned: Number | None = None
    achievement: Achievement
    identifier: list[IdentityObject] | None = None
    image: Image | None = None
    licenseNumber: Str | None = None
    narrative: Str | None = None
    result: list[Result] | None = None
    role: Str | None = None
    source: Profile | None = None
    term: Str | None = None


class Evidence(LDModel):
    id: Str | None = None
    type: Types
    narrative: Str | None = None
    name: Str | None = None
    description: Str | None = None
    genre: Str | None = None
    audience: Str | None = None


class Proof(LDModel):
    type: Str
    created: DateTime | None = None
    challenge: Str | None = None
    domain: Str | list[Str] | None = None
    nonce: Str | None = None
    proofPurpose: Str | None = None
    proofValue: Str | None = None
    verificationMethod: Str | None = None


class CredentialStatus(LDModel):
    id: Str | None = None
    type: Str


class CredentialSchema(LDModel):
    closed = True
    id: Str
    type: Str


class RefreshService(LDModel):
    id: Str
    type: Str


class EndorsementSubject(LDModel):
    closed = True
    id: Str
    type: Types
    endorsementComment: Str | None = None


class _Credential(LDModel):
    """Properties shared by every credential, with the VC 1.1 / 2.0 date rules."""

    context: Annotated[list[Str], Field(min_length=1)] = Field(alias="@context")
    id: Str | None = None
    type: Types
    issuer: Any = None
    validFrom: DateTime | None = None
    validUntil: DateTime | None = None
    issuanceDate: DateTime | None = None
    expirationDate: DateTime | None = None
    proof: Proof | list[Proof] | None = None
    credentialSchema: list[CredentialSchema] | CredentialSchema | None = None
    credentialStatus: CredentialStatus | list[CredentialStatus] | None = None
    refreshService: RefreshService | None = None

    @model_validator(mode="after")
    def _dates_for_version(self, info: ValidationInfo) -> Any:
        if not (info.context and info.context.get("strict")):
            return self
        if self.context and self.context[0] == VC_V1:
            if self.issuanceDate is None:
                raise ValueError("issuanceDate is required with the VC 1.1 context")
        elif self.validFrom is None:
            raise ValueError("validFrom is required")
        return self


class EndorsementCredential(_Credential):
    closed = True
    credentialSubject: EndorsementSubject
    issuer: Profile
    id: Str
    name: Str | None = None
    description: Str | None = None


class AchievementCredential(_Credential):
    """An Open Badges 3.0 credential (``OpenBadgeCredential`` / ``AchievementCredential``)."""

    id: Str
    name: Str
    description: Str | None = None
    image: Image | None = None
    credentialSubject: AchievementSubject
    endorsement: list[EndorsementCredential] | None = None
    endorsementJwt: list[Jwt] | None = None
    evidence: list[Evidence] | None = None
    issuer: Profile
    awardedDate: DateTime | None = None


class Association(LDModel):
    closed = True
    type: Str
    associationType: Literal[
        "exactMatchOf",
        "isChildOf",
        "isParentOf",
        "isPartOf",
        "isPeerOf",
        "isRelatedTo",
        "precedes",
        "replacedBy",
    ]
    sourceId: Str
    targetId: Str


class CredentialSubject(LDModel):
    id: Str | None = None


class VerifiableCredential(_Credential):
    """Any VC (as embedded in a CLR): issuer a Profile, subject free-form."""

    issuer: Profile
    credentialSubject: CredentialSubject | list[CredentialSubject]


class Credential(_Credential):
    """Any VC 2.0 credential: issuer a URL or an object with an id; subject free-form."""

    issuer: Str | Profile | CredentialSubject
    credentialSubject: CredentialSubject | list[CredentialSubject]
    name: Str | None = None
    description: Str | None = None


class VerifiablePresentation(LDModel):
    """A VC 2.0 presentation; embedded credentials are JSON objects or enveloped JWTs."""

    context: Annotated[list[Str], Field(min_length=1)] = Field(alias="@context")
    id: Str | None = None
    type: Types
    holder: Str | CredentialSubject | None = None
    verifiableCredential: dict[str, Any] | list[dict[str, Any]] | None = None
    proof: Proof | list[Proof] | None = None


class ClrSubject(LDModel):
    id: Str | None = None
    type: Types
    identifier: list[IdentityObject] | None = None
    achievement: list[Achievement] | None = None
    verifiableCredential: Annotated[list[VerifiableCredential], Field(min_length=1)]
    association: list[Association] | None = None


class ClrCredential(_Credential):
    """A CLR 2.0 Comprehensive Learner Record."""

    id: Str
    name: Str
    description: Str | None = None
    endorsement: list[EndorsementCredential] | None = None
    endorsementJwt: list[Jwt] | None = None
    image: Image | None = None
    partial: StrictBool | None = None
    credentialSubject: ClrSubject
    issuer: Profile


Profile.model_rebuild()
Achievement.model_rebuild()


def _types(document: dict[str, Any]) -> list[str]:
    t = document.get("type")
    return (
        [t]
        if isinstance(t, str)
        else [x for x in t if isinstance(x, str)]
        if isinstance(t, list)
        else []
    )


def model_for(document: dict[str, Any]) -> type[_Credential] | None:
    """The model whose schema applies to ``document``, by its ``type``; None for other VCs."""
    types = _types(document)
    if "ClrCredential" in types:
        return ClrCredential
    if "AchievementCredential" in types or "OpenBadgeCredential" in types:
        return AchievementCredential
    if "EndorsementCredential" in types:
        return EndorsementCredential
    return None


def schema_errors(document: dict[str, Any], model: type[LDModel] | None = None) -> list[str]:
    """Problems with ``document`` under its OB 3.0 / CLR 2.0 schema; ``[]`` if it conforms.

    >>> schema_errors({"type": ["VerifiableCredential", "OpenBadgeCredential"]})[0]
    '@context: Field required'
    """
    model = model or model_for(document)
    if model is None:
        return []
    try:
        model.model_validate(document, context={"strict": True})
    except ValidationError as exc:
        return [_describe(err) for err in exc.errors(include_url=False)]
    return []


def _describe(err: Any) -> str:
    loc = ".".join(
        str(p) for p in err["loc"] if not str(p).startswith(("function-after", "tagged"))
    )
    loc = re.sub(r"\.(str|list\[str\]|int|float|bool|[A-Z]\w*)(?=\.|$)", "", loc)
    message = str(err["msg"]).removeprefix("Value error, ")
    return f"{loc}: {message}" if loc else message
