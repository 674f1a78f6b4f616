"""A verify page's result, sealed for the page to carry to its downloads.

The public verify page keeps nothing of what it verified. Its downloads (the JSON report and
the PDF report) are made from the result itself, which the page carries in a hidden form
field: :func:`record_of` writes it down (the answers, the technical report, when and by
whom it was checked), :func:`sealed` compresses it and adds an HMAC-SHA-256 under a key
derived from the key-encryption key, and :func:`opened` gives it back only when the seal is
intact and less than :data:`SEAL_HOURS` old. So a report says what was checked then — not
again at download, which would count a share link's opening twice — and nobody can have
this platform print a report of a verification it did not make.

>>> record = {"checkedAt": "2026-11-24T12:00:00Z", "verified": True}
>>> key = b"k" * 32
>>> _open(_seal(record, key), key) == record
True
>>> _open(_seal(record, key)[:-2] + "AA", key) is None
True
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import zlib
from datetime import datetime, timedelta
from typing import Any

from openler.services.context import Platform
from openler.services.errors import UsageError
from openler.services.issuers.endorsements import Shown
from openler.services.verifiers.answers import Answer
from openler.services.verifiers.anyone import Checked
from openler.services.wording import N_, filled, wording_to_json

#: how long a result page's downloads work
SEAL_HOURS = 24
#: the most a sealed result may inflate to
_MAX_RECORD = 8 * 1024 * 1024


def _answer(answer: Answer) -> dict[str, Any]:
    """An answer as the JSON report gives it, with its sentences as wordings (``said``)
    for a report printed in another language."""
    return {
        **answer.to_json(),
        "said": {
            "answer": wording_to_json(answer.said),
            "standing": wording_to_json(answer.standing),
            "bound": wording_to_json(answer.bound),
            "rely": wording_to_json(answer.rely),
        },
    }


def _endorsement(shown: Shown) -> dict[str, Any]:
    return {
        "endorser": shown.endorser,
        "about": shown.about_name,
        "comment": shown.comment,
        "verified": shown.verified,
    }


def record_of(platform: Platform, checked: Checked) -> dict[str, Any]:
    """What the verify page checked, as its JSON report says it (English; each answer's
    sentences also as wordings under ``said``)."""
    verdict = checked.verdict
    share = checked.share
    return {
        "verifiedBy": platform.settings.public_url.rstrip("/"),
        "checkedAt": checked.checked_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "input": {
            "given": checked.how,
            "described": filled(checked.described),
            "sha256": checked.sha256,
            "bytes": checked.size,
            "said": wording_to_json(checked.described),
        },
        "share": (
            {
                "holder": share.holder,
                "purpose": share.share.purpose,
                "audience": share.share.audience,
                "expires": share.share.expires_at.strftime("%Y-%m-%d"),
            }
            if share is not None
            else None
        ),
        "verified": checked.report.verified,
        "answers": [_answer(a) for a in verdict.answers],
        "problem": filled(verdict.problem) if verdict.problem else None,
        "problemSaid": wording_to_json(verdict.problem) if verdict.problem else None,
        "issuerNotes": [note.sentence for note in checked.notes],
        "updates": [update.sentence for update in share.updates] if share else [],
        "endorsements": [_endorsement(e) for e in checked.endorsements],
        "report": checked.report.to_json(),
    }


def public_json(record: dict[str, Any]) -> dict[str, Any]:
    """The JSON report a person downloads: the record without the wordings kept for
    printing it in other languages."""
    shown = {k: v for k, v in record.items() if k != "problemSaid"}
    shown["input"] = {k: v for k, v in record["input"].items() if k != "said"}
    shown["answers"] = [{k: v for k, v in a.items() if k != "said"} for a in record["answers"]]
    return shown


def _key(platform: Platform) -> bytes:
    return hmac.new(platform.settings.kek(), b"openler verify page results", "sha256").digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _seal(record: dict[str, Any], key: bytes) -> str:
    body = _b64(zlib.compress(json.dumps(record, separators=(",", ":")).encode("utf-8"), 9))
    mac = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def _open(sealed: str, key: bytes) -> dict[str, Any] | None:
    body, _, mac = sealed.strip().partition(".")
    try:
        expected = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()
        if not hmac.compare_digest(_unb64(mac), expected):
            return None
        inflater = zlib.decompressobj()
        data = inflater.decompress(_unb64(body), _MAX_RECORD)
    except (UnicodeEncodeError, binascii.Error, ValueError, zlib.error):
        return None
    record = json.loads(data)
    return record if isinstance(record, dict) else None


def sealed(platform: Platform, record: dict[str, Any]) -> str:
    """``record`` compressed and sealed, as one ASCII string for a hidden form field."""
    return _seal(record, _key(platform))


def opened(platform: Platform, sealed_record: str) -> dict[str, Any]:
    """What :func:`sealed` sealed. Raises ``UsageError`` when the seal is broken (the page
    was altered, or the key changed since) or is older than :data:`SEAL_HOURS`."""
    record = _open(sealed_record, _key(platform))
    if record is None:
        raise UsageError.worded(
            N_("this result cannot be downloaded: it was altered or damaged; verify again")
        )
    checked_at = datetime.fromisoformat(str(record.get("checkedAt", "")).replace("Z", "+00:00"))
    if platform.now() - checked_at > timedelta(hours=SEAL_HOURS):
        raise UsageError.worded(
            N_("this result is more than %(hours)s hours old: verify again to download it"),
            hours=str(SEAL_HOURS),
        )
    return record
