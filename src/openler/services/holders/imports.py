"""Importing what a person has from elsewhere into their record.

A file is read by what it holds, never by its name: a JSON credential (VC 2.0 or 1.1 with
a Data Integrity proof — eddsa-rdfc-2022, eddsa-jcs-2022 or the older
Ed25519Signature2020), a JSON presentation (its credentials are imported each), a compact
JWT (VC-JOSE), a baked PNG or SVG badge (the image is kept to show), a CLR 2.0
``ClrCredential`` (kept as one entry, and each credential it bundles as its own entry under
it) or an HR Open LER-RS résumé (the credentials it carries as verifications or
attachments are imported each; the résumé itself is not a credential and the report says
so). Each credential is verified as it comes (``verifying.verify_document``: no fetching
beyond the platform's own rules) and labelled with what verification said::

    Kept            verified: authentic, issued by the issuer it names
    Already held    the same credential (by ``record.digest_of``, or by id one issued here)
    Not verified    kept, marked, never shown as verified
    Refused         not a credential at all; nothing stored

Verification here asks whether a credential is authentic: an expired one that is genuine is
kept as verified (the record then shows it expired), and trust in its issuer is a warning,
not a refusal (the record's state says whether this platform trusts the issuer).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from openler.services import audit
from openler.services.context import Platform
from openler.services.errors import NotFound
from openler.services.holders import lerrs
from openler.services.holders.record import credential_name, digest_of
from openler.services.people.accounts import Principal, require_self
from openler.services.verifiers.verifying import verify_document
from openler.services.wording import (
    N_,
    Wording,
    filled,
    phrase,
    worded,
    wording_from_json,
    wording_to_json,
)
from openler.store.models import ImportRun, IssuedCredential, Person, ReceivedCredential
from openler.vc import (
    CHECK_IDS,
    MAX_INPUT_BYTES,
    Check,
    InputError,
    VCError,
    VerificationReport,
    extract_png,
    extract_svg,
    parse_json,
    unverified_jwt_document,
)

Outcome = Literal["kept", "already-held", "not-verified", "refused"]

#: the largest file imported (verification reads no more)
MAX_FILE_BYTES = MAX_INPUT_BYTES

#: the most credentials one import reads (a presentation, a CLR, a résumé or several files
#: together): each is verified, and a file of 4 MB can name tens of thousands
MAX_CREDENTIALS = 500

#: what each outcome is called where a person reads it
LABELS: dict[Outcome, str] = {
    "kept": N_("Added, verified"),
    "already-held": N_("Already in your record"),
    "not-verified": N_("Added, but it does not verify"),
    "refused": N_("Not imported"),
}

_PNG = b"\x89PNG\r\n\x1a\n"
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_ENVELOPED = re.compile(r"data:application/(?:vc\+jwt|jwt|vc-ld\+jwt)[^,]*,")

#: what a failed check means, in plain words
_PLAIN: dict[str, str] = {
    "parse": N_("it cannot be read"),
    "context": N_("it uses a vocabulary openler does not know"),
    "schema": N_("it is not a well-formed credential"),
    "type": N_("it is not a well-formed credential"),
    "proof": N_("the signature does not match"),
    "issuer": N_("it is not signed by the issuer it names"),
    "validity": N_("its dates cannot be read"),
    "status": N_("its status could not be confirmed"),
    "holder": N_("it is not about the learner of the record it came in"),
    "trust": N_("its issuer is not trusted"),
}


@dataclass(frozen=True)
class ImportRow:
    """What became of one credential (or one file that held none)."""

    source: str  # the file, and where in it ("transcript.json, credential 2")
    outcome: Outcome
    message: str  # in plain words
    name: str | None = None  # the credential's name
    ref: str | None = None  # its entry in the record: ``held:<id>`` or ``issued:<id>``
    #: ``message`` as a wording, for pages in other languages (None in reports kept before)
    wording: Wording | None = None

    @property
    def label(self) -> str:
        return LABELS[self.outcome]

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "outcome": self.outcome,
            "label": self.label,
            "message": self.message,
            "name": self.name,
            "ref": self.ref,
            "wording": wording_to_json(self.wording) if self.wording is not None else None,
        }


@dataclass
class ImportReport:
    """One import of one or several files: a row per credential found, and the parts of a
    file that are not credentials and were not imported (an LER-RS résumé's)."""

    rows: list[ImportRow] = field(default_factory=list)
    not_imported: list[str] = field(default_factory=list)
    id: str | None = None  # the stored run, for its page
    #: each of ``not_imported`` as a wording, for pages in other languages (in step with it;
    #: empty in reports kept before)
    not_imported_wordings: list[Wording] = field(default_factory=list)

    def not_import(self, wording: Wording) -> None:
        """Say that a part of a file (not a credential) was not imported."""
        self.not_imported.append(filled(wording))
        self.not_imported_wordings.append(wording)

    @property
    def not_imported_said(self) -> list[Wording | str]:
        """What was not imported, each as a wording when the report has them."""
        if len(self.not_imported_wordings) == len(self.not_imported):
            return list(self.not_imported_wordings)
        return list(self.not_imported)

    @property
    def ok(self) -> bool:
        """Everything was added verified or was already held."""
        return all(r.outcome in ("kept", "already-held") for r in self.rows)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ok": self.ok,
            "rows": [r.to_json() for r in self.rows],
            "notImported": list(self.not_imported),
            "notImportedWordings": [wording_to_json(w) for w in self.not_imported_wordings],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ImportReport:
        rows = [
            ImportRow(
                r["source"],
                r["outcome"],
                r["message"],
                r.get("name"),
                r.get("ref"),
                wording_from_json(r.get("wording")),
            )
            for r in data.get("rows", [])
        ]
        notes = [wording_from_json(w) for w in data.get("notImportedWordings", [])]
        return cls(
            rows,
            list(data.get("notImported", [])),
            data.get("id"),
            [w for w in notes if w is not None],
        )


@dataclass(frozen=True)
class Upload:
    """One file brought to import (or text pasted, named ``pasted text``)."""

    filename: str
    data: bytes
    media_type: str | None = None


def import_file(
    session: Session,
    platform: Platform,
    principal: Principal,
    data: bytes,
    *,
    filename: str,
    media_type: str | None = None,
) -> ImportReport:
    """Import one file into ``principal``'s own record (see the module's description).

    Never raises for what the file holds: a file that is not a credential is a ``refused``
    row, one that does not verify a ``not-verified`` row. ``media_type`` is only what the
    sender said: what the bytes hold decides.
    """
    return import_files(session, platform, principal, [Upload(filename, data, media_type)])


def import_files(
    session: Session, platform: Platform, principal: Principal, files: Sequence[Upload]
) -> ImportReport:
    """Import several files at once; the report (a row per credential) is kept for its
    owner to read again (:func:`report_of`)."""
    require_self(principal, str(principal.person_id))
    importer = _Importer(session, platform, principal)
    for upload in files:
        importer.file(upload.data, upload.filename.strip() or "file")
    report = importer.report
    run = ImportRun(person_id=principal.person_id, created_at=platform.now(), report={})
    session.add(run)
    session.flush()
    report.id = run.id
    run.report = report.to_json()
    return report


def report_of(session: Session, principal: Principal, run_id: str) -> ImportReport:
    """The report of one of ``principal``'s own imports; anyone else's does not exist."""
    require_self(principal, str(principal.person_id))
    run = session.get(ImportRun, run_id)
    if run is None or run.person_id != principal.person_id:
        raise NotFound.worded(N_("there is no such import"))
    return ImportReport.from_json(run.report)


class _Importer:
    """Reads files for one person, adding what they hold to the record."""

    def __init__(self, session: Session, platform: Platform, principal: Principal) -> None:
        self.session = session
        self.platform = platform
        self.principal = principal
        self.person_id = str(principal.person_id)
        self.report = ImportReport()
        self.capped = False  # MAX_CREDENTIALS were read; the rest is skipped

    def _too_many(self, source: str) -> bool:
        """Whether this import has read as many credentials as it may (a row each); the
        first one past the limit is a refused row saying so, the rest are skipped."""
        if len(self.report.rows) < MAX_CREDENTIALS:
            return False
        if not self.capped:
            self.capped = True
            self.refuse(
                source,
                N_(
                    "only the first %(most)s credentials were read; import the rest in another file"
                ),
                most=str(MAX_CREDENTIALS),
            )
        return True

    # -- what a file is ------------------------------------------------------------

    def file(self, data: bytes, source: str) -> None:
        if len(data) > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // (1024 * 1024)
            self.refuse(
                source,
                N_("the file is %(size)s MB; the limit is %(limit)s MB"),
                size=f"{len(data) / 1e6:.1f}",
                limit=str(limit),
            )
            return
        if not data.strip():
            self.refuse(source, N_("the file is empty"))
            return
        if data.startswith(_PNG):
            try:
                text = extract_png(data)
            except VCError:
                self.refuse(
                    source, N_("this PNG image carries no credential (it is not a baked badge)")
                )
                return
            self.text(text, source, original=(data, "image/png"))
            return
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            self.refuse(source, _NOT_A_CREDENTIAL)
            return
        if text.lstrip().startswith("<"):
            try:
                inner = extract_svg(data)
            except VCError:
                self.refuse(
                    source, N_("this is not a baked SVG badge: it carries no credential to import")
                )
                return
            self.text(inner, source, original=(data, "image/svg+xml"))
            return
        self.text(text, source)

    def text(self, text: str, source: str, original: tuple[bytes, str] | None = None) -> None:
        stripped = text.strip()
        if _COMPACT_JWS.fullmatch(stripped):
            self.jwt(stripped, source, original)
        elif stripped.startswith("{"):
            try:
                document = parse_json(stripped)
            except InputError as exc:
                self.refuse(source, N_("this JSON cannot be read: %(why)s"), why=exc.message)
                return
            if not isinstance(document, dict):
                self.refuse(source, _NOT_A_CREDENTIAL)
                return
            self.json_document(document, source, original)
        else:
            self.refuse(source, _NOT_A_CREDENTIAL)

    def jwt(self, token: str, source: str, original: tuple[bytes, str] | None) -> None:
        try:
            document = unverified_jwt_document(token)
        except VCError as exc:
            self.refuse(source, N_("this JWT cannot be read: %(why)s"), why=str(exc))
            return
        types = _types(document.get("type"))
        if "VerifiablePresentation" in types:
            self.presentation(document, source)
        elif "VerifiableCredential" in types:
            self.credential(document, source, jwt=token, original=original)
        else:
            self.refuse(source, N_("this JWT is not a verifiable credential"))

    def json_document(
        self, document: dict[str, Any], source: str, original: tuple[bytes, str] | None = None
    ) -> None:
        types = _types(document.get("type"))
        if lerrs.is_ler_rs(document):
            self.ler_rs(document, source)
        elif "VerifiablePresentation" in types:
            self.presentation(document, source)
        elif "EnvelopedVerifiableCredential" in types:
            self.item(document, source)
        elif "VerifiableCredential" in types:
            self.credential(document, source, original=original)
        else:
            self.refuse(
                source,
                N_(
                    "this JSON is not a credential (its type does not say "
                    "VerifiableCredential), a presentation, a CLR or an LER-RS résumé"
                ),
            )

    def item(self, value: Any, source: str) -> None:
        """A credential inside something else: JSON, a JWT, or an enveloped JWT."""
        if self._too_many(source):
            return
        if isinstance(value, Mapping) and "EnvelopedVerifiableCredential" in _types(
            value.get("type")
        ):
            found = _ENVELOPED.match(str(value.get("id", "")))
            if found is None:
                self.refuse(source, N_("an enveloped credential that is not a JWT"))
                return
            self.text(str(value["id"])[found.end() :], source)
        elif isinstance(value, Mapping):
            document = dict(value)
            if "VerifiableCredential" in _types(document.get("type")):
                self.credential(document, source)
            else:
                self.refuse(source, N_("not a verifiable credential"))
        elif isinstance(value, str):
            self.text(value, source)
        else:
            self.refuse(source, N_("not a verifiable credential"))

    def presentation(self, document: dict[str, Any], source: str) -> None:
        items = _as_list(document.get("verifiableCredential"))
        if not items:
            self.refuse(source, N_("the presentation carries no credentials"))
            return
        for i, value in enumerate(items, start=1):
            self.item(value, f"{source}, credential {i}")

    def ler_rs(self, document: dict[str, Any], source: str) -> None:
        """An LER-RS résumé: the credentials it carries, each; the rest is not imported."""
        self.report.not_import(
            worded(
                N_(
                    "%(source)s: the résumé itself (the person, contact details, narratives, "
                    "employment, education, licences and skills it states) is not a "
                    "credential; only the verifiable credentials it carries were imported"
                ),
                source=source,
            )
        )
        before = len(self.report.rows)
        for where, value in lerrs.verifications(document):
            link = value.get("reference") if isinstance(value, Mapping) else None
            if isinstance(link, str) and "type" not in value:
                self.report.not_import(
                    worded(
                        N_(
                            "%(source)s: a link to a credential (%(link)s); links are not "
                            "fetched — bring the credential itself"
                        ),
                        source=f"{source}, {where}",
                        link=link[:200],
                    )
                )
            else:
                self.item(value, f"{source}, {where}")
        for where, attachment in lerrs.attachments(document):
            self.attachment(attachment, f"{source}, {where}")
        if len(self.report.rows) == before:
            self.refuse(source, N_("this LER-RS résumé carries no verifiable credential to import"))

    def attachment(self, attachment: Mapping[str, Any], source: str) -> None:
        """An LER-RS attachment: imported when its embedded content is a credential; a link
        is not fetched, and anything else is said not imported."""
        content = attachment.get("content")
        name = lerrs.attachment_name(attachment)
        value = content.get("value") if isinstance(content, Mapping) else None
        if not isinstance(value, str):
            self.report.not_import(
                worded(
                    N_(
                        "%(source)s: the attachment %(name)s is a link or empty; links are "
                        "not fetched"
                    ),
                    source=source,
                    name=name,
                )
            )
            return
        encoding = content.get("encoding") if isinstance(content, Mapping) else None
        try:
            data = (
                base64.b64decode(value, validate=True) if encoding == "base64" else value.encode()
            )
        except (binascii.Error, ValueError):
            data = b""
        before = len(self.report.rows)
        self.file(data, source)
        refused = [r for r in self.report.rows[before:] if r.outcome == "refused"]
        if refused:  # an attachment that is not a credential is part of the résumé
            self.report.rows[before:] = [r for r in self.report.rows[before:] if r not in refused]
            self.report.not_import(
                worded(
                    N_("%(source)s: the attachment %(name)s is not a credential"),
                    source=source,
                    name=name,
                )
            )

    # -- one credential --------------------------------------------------------------

    def credential(
        self,
        document: dict[str, Any],
        source: str,
        *,
        jwt: str | None = None,
        original: tuple[bytes, str] | None = None,
        parent_id: str | None = None,
    ) -> None:
        if self._too_many(source):
            return
        name = credential_name(document, _kind_of(document))[:300]
        if _has_nul(document):
            self.refuse(source, N_("the credential holds a NUL character, which cannot be stored"))
            return
        issued = self._issued_here(document)
        if issued is not None:
            self._row(
                source,
                "already-held",
                phrase(N_("it was issued to you here")),
                name,
                f"issued:{issued.id}",
                document,
            )
            self._bundled(document, source, parent_id=None)
            return
        if self._someone_elses(document):
            self.refuse(
                source,
                N_(
                    "this credential is about someone else with an account here: only your "
                    "own credentials can be added to your record"
                ),
            )
            return
        verified, note = self._verify(document, jwt, source)
        digest = digest_of(document)
        held = (
            self.session.execute(
                select(ReceivedCredential).where(
                    ReceivedCredential.person_id == self.person_id,
                    ReceivedCredential.digest == digest,
                )
            )
            .scalars()
            .first()
        )
        if held is not None and (held.verified or not verified):
            message = phrase(N_("the same credential was added before"))
            if held.verified and not verified:
                message = worded(
                    N_(
                        "the same credential was added before, and that copy verifies; "
                        "this one does not: %(note)s"
                    ),
                    note=note,
                )
            self._row(source, "already-held", message, held.name, f"held:{held.id}", document)
            self._bundled(document, source, parent_id=held.id)
            return
        row = held if held is not None else ReceivedCredential(person_id=self.person_id)
        issuer_id, issuer_name = _issuer(document, jwt)
        row.issuer = issuer_id[:1000]
        row.issuer_name = issuer_name[:300]
        row.credential_issuer = issuer_id[:1000]
        row.format = "jwt_vc_json" if jwt is not None else "ldp_vc"
        row.name = name
        row.document = document
        row.jwt = jwt
        row.received_at = self.platform.now()
        row.source = "import"
        row.verified = verified
        row.verification_note = filled(note)
        row.digest = digest
        row.parent_id = parent_id if held is None else held.parent_id
        row.original, row.original_type = original if original is not None else (None, None)
        if held is None:
            self.session.add(row)
        self.session.flush()
        message = (
            worded(N_("%(note)s; it replaces the copy that did not verify"), note=note)
            if held is not None
            else note
        )
        self._row(
            source,
            "kept" if verified else "not-verified",
            message,
            name,
            f"held:{row.id}",
            document,
        )
        self._bundled(document, source, parent_id=row.id)

    def _bundled(self, document: dict[str, Any], source: str, *, parent_id: str | None) -> None:
        """A CLR's credentials, each in its own right, under the CLR's entry."""
        if "ClrCredential" not in _types(document.get("type")):
            return
        subject = document.get("credentialSubject")
        items = subject.get("verifiableCredential") if isinstance(subject, Mapping) else None
        for i, value in enumerate(_as_list(items), start=1):
            where = f"{source}, credential {i} in the transcript"
            types = _types(value.get("type")) if isinstance(value, Mapping) else []
            enveloped = _ENVELOPED.match(str(value.get("id", ""))) if types else None
            if "EnvelopedVerifiableCredential" in types and enveloped is not None:
                token = str(value["id"])[enveloped.end() :].strip()
            else:
                token = value.strip() if isinstance(value, str) else ""
            if isinstance(value, Mapping) and "VerifiableCredential" in types:
                self.credential(dict(value), where, parent_id=parent_id)
            elif _COMPACT_JWS.fullmatch(token):
                self._bundled_jwt(token, where, parent_id)
            else:
                self.item(value, where)

    def _bundled_jwt(self, token: str, source: str, parent_id: str | None) -> None:
        try:
            document = unverified_jwt_document(token)
        except VCError as exc:
            self.refuse(source, N_("this JWT cannot be read: %(why)s"), why=str(exc))
            return
        self.credential(document, source, jwt=token, parent_id=parent_id)

    def _issued_here(self, document: Mapping[str, Any]) -> IssuedCredential | None:
        credential_id = document.get("id")
        if not isinstance(credential_id, str) or not credential_id:
            return None
        found = self.session.get(IssuedCredential, credential_id)
        return found if found is not None and found.person_id == self.person_id else None

    def _someone_elses(self, document: Mapping[str, Any]) -> bool:
        """Whether ``document`` is another person's here: issued here to someone else, or
        about a subject that is another person's wallet DID. A copy of it (sent to a
        verifier, say) must not become an entry of this person's record, résumé or skills."""
        credential_id = document.get("id")
        if isinstance(credential_id, str) and credential_id:
            issued = self.session.get(IssuedCredential, credential_id)
            if issued is not None and issued.person_id not in (None, self.person_id):
                return True  # (one issued to nobody with an account yet is judged as any)
        subject = document.get("credentialSubject")
        subjects = subject if isinstance(subject, list) else [subject]
        dids = {
            s["id"] for s in subjects if isinstance(s, Mapping) and isinstance(s.get("id"), str)
        }
        if not dids:
            return False
        owners = self.session.execute(select(Person.id).where(Person.did.in_(dids))).scalars()
        return any(str(owner) != self.person_id for owner in owners)

    def _verify(
        self, document: dict[str, Any], jwt: str | None, source: str
    ) -> tuple[bool, Wording]:
        report = verify_document(
            self.session, self.platform, jwt or document, require_trust=False, name=source
        )
        problems = _problems(report)
        if problems:
            return False, worded(N_("Did not verify: %(why)s"), why=problems[0])
        _issuer_id, issuer_name = _issuer(document, jwt)
        validity = report.check("validity")
        dates = _dates(validity) if validity is not None and validity.status == "failed" else None
        trust = report.check("trust")
        if trust is not None and trust.status == "warning":
            if dates is not None:
                message = N_(
                    "Verified: signed by %(issuer)s; %(dates)s; its issuer is not on this "
                    "platform's list of trusted issuers"
                )
            else:
                message = N_(
                    "Verified: signed by %(issuer)s; its issuer is not on this platform's "
                    "list of trusted issuers"
                )
        else:
            message = (
                N_("Verified: signed by %(issuer)s; %(dates)s")
                if dates is not None
                else N_("Verified: signed by %(issuer)s")
            )
        values = {"issuer": issuer_name} | ({"dates": dates} if dates is not None else {})
        return True, worded(message, **values)

    # -- the report ------------------------------------------------------------------

    def refuse(self, source: str, message: str, **values: str) -> None:
        """A refused row: ``message`` (marked ``N_``) filled with ``values``."""
        wording = worded(message, **values)
        self.report.rows.append(
            ImportRow(source, "refused", _sentence(filled(wording)), wording=wording)
        )
        audit.record(
            self.session,
            at=self.platform.now(),
            actor=self.principal.label,
            action="wallet.import",
            subject=self.person_id,
            data={"result": "refused"},
        )

    def _row(
        self,
        source: str,
        outcome: Outcome,
        message: Wording,
        name: str,
        ref: str,
        document: Mapping[str, Any],
    ) -> None:
        self.report.rows.append(
            ImportRow(source, outcome, _sentence(filled(message)), name, ref, message)
        )
        credential_id = document.get("id")
        audit.record(
            self.session,
            at=self.platform.now(),
            actor=self.principal.label,
            action="wallet.import",
            subject=ref.split(":", 1)[1],
            data={
                "result": outcome,
                "credential": credential_id[:500] if isinstance(credential_id, str) else None,
            },
        )


_NOT_A_CREDENTIAL = N_(
    "this file is not a credential: openler imports JSON credentials and presentations, "
    "compact JWTs, baked PNG and SVG badges, CLR records and LER-RS résumés"
)


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


def _problems(report: VerificationReport) -> list[Wording]:
    """Why a credential is not authentic, in plain words (empty when it is). An expired or
    not yet valid credential is authentic; its dates are its state, not its verification."""
    failed = [c for c in report.checks if c.status == "failed" and not _only_dates(c)]
    if failed:
        return [
            worded(
                N_("%(plain)s (%(detail)s)"),
                plain=phrase(_PLAIN[c.id]) if c.id in _PLAIN else f"{c.id} failed",
                detail=c.message,
            )
            for c in failed
        ]
    missing = [
        c
        for c in CHECK_IDS
        if c != "validity" and report.required(c) and report.status_of(c) in (None, "skipped")
    ]
    if missing:
        return [worded(N_("its %(check)s check could not be made"), check=missing[0])]
    for inner in report.credentials:
        found = _problems(inner)
        if found:
            return [worded(N_("a credential it bundles did not verify: %(why)s"), why=found[0])]
    return []


def _only_dates(check: Check) -> bool:
    return check.id == "validity" and check.message.startswith(
        ("expired on", "not yet valid", "the JWT has expired", "the JWT is not valid yet")
    )


def _dates(check: Check) -> str:
    return check.message.split(" (checked at", 1)[0]


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _issuer(document: Mapping[str, Any], jwt: str | None = None) -> tuple[str, str]:
    """The issuer's id and the name the credential gives it (else the id): never a name the
    credential does not carry. A JWT's credential may leave its issuer to the ``iss`` claim
    (VC Data Model 1.1 §6.3.1)."""
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if issuer_id is None and jwt is not None:
        issuer_id = _iss(jwt)
    name = issuer.get("name") if isinstance(issuer, Mapping) else None
    ident = issuer_id if isinstance(issuer_id, str) and issuer_id else "an issuer it does not name"
    return ident, name.strip() if isinstance(name, str) and name.strip() else ident


def _iss(token: str) -> str | None:
    """The ``iss`` claim of a compact JWT (read only to name its issuer; the signature is
    what verification checks)."""
    part = token.split(".")[1]
    try:
        payload = parse_json(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (binascii.Error, ValueError, InputError):
        return None
    iss = payload.get("iss") if isinstance(payload, dict) else None
    return iss if isinstance(iss, str) else None


def _kind_of(document: Mapping[str, Any]) -> str:
    """What to call a credential that gives itself no name: its most specific type, in
    words (``FullTranscriptCredential`` → "Full transcript credential").

    >>> _kind_of({"type": ["VerifiableCredential", "FullTranscriptCredential"]})
    'Full transcript credential'
    >>> _kind_of({"type": "VerifiableCredential"})
    'Credential'
    """
    types = [t for t in _types(document.get("type")) if t != "VerifiableCredential"]
    if not types:
        return "Credential"
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", types[-1].rsplit("/", 1)[-1].rsplit("#", 1)[-1])
    return words[:1].upper() + words[1:].lower() if words.strip() else "Credential"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False
