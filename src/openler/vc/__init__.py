"""openler's standards engine: W3C VC 2.0, Data Integrity, Open Badges 3.0 and CLR 2.0.

The public surface is small and safe; everything else is an implementation detail::

    from openler.vc import Multikey, sign_credential, verify

    key = Multikey.generate()
    signed = sign_credential(credential, key, created=now)
    report = verify(signed, at=now)          # a VerificationReport, never a bare bool

No function here performs I/O: DID and controller documents come from a
:class:`Resolver` built with a fetcher, contexts from a :class:`DocumentLoader`, and the
time from the ``at`` / ``created`` arguments.
"""

from openler.vc.baking import bake_png, bake_svg, extract_png, extract_svg
from openler.vc.credentials import build_presentation, sign_credential, sign_presentation
from openler.vc.dataintegrity import CRYPTOSUITES, Cryptosuite, ProofCheck, add_proof, check_proofs
from openler.vc.did import Fetcher, Resolver, VerificationMethod, did_web_for, did_web_url
from openler.vc.errors import (
    ContextError,
    InputError,
    JoseError,
    KeyFormatError,
    NotCompactError,
    ProofError,
    ResolutionError,
    UnauthorizedMethodError,
    UndefinedTermError,
    UnknownContextError,
    VCError,
)
from openler.vc.jsonld import DocumentLoader
from openler.vc.keys import Multikey
from openler.vc.report import CHECK_IDS, Check, Policy, VerificationReport
from openler.vc.verify import MAX_INPUT_BYTES, credential_problems, verify

__all__ = [
    "CHECK_IDS",
    "CRYPTOSUITES",
    "MAX_INPUT_BYTES",
    "Check",
    "ContextError",
    "Cryptosuite",
    "DocumentLoader",
    "Fetcher",
    "InputError",
    "JoseError",
    "KeyFormatError",
    "Multikey",
    "NotCompactError",
    "Policy",
    "ProofCheck",
    "ProofError",
    "ResolutionError",
    "Resolver",
    "UnauthorizedMethodError",
    "UndefinedTermError",
    "UnknownContextError",
    "VCError",
    "VerificationMethod",
    "VerificationReport",
    "add_proof",
    "bake_png",
    "bake_svg",
    "build_presentation",
    "check_proofs",
    "credential_problems",
    "did_web_for",
    "did_web_url",
    "extract_png",
    "extract_svg",
    "sign_credential",
    "sign_presentation",
    "verify",
]
