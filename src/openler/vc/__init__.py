"""openler's standards engine: W3C VC 2.0, Data Integrity, Open Badges 3.0 and CLR 2.0.

The public surface is small and safe; everything else is an implementation detail::

    from openler.vc import Multikey, sign_credential, verify

    key = Multikey.generate()
    signed = sign_credential(credential, key, created=now)
    report = verify(signed, at=now)          # a VerificationReport, never a bare bool

No function here performs I/O: DID and controller documents come from a
:class:`Resolver` built with a fetcher, contexts from a :class:`DocumentLoader`, and the
time from the ``at`` / ``created`` arguments.

The names below are the whole surface the rest of openler uses (a test keeps it so):
signing and verification, their errors, JSON as verification reads it (``parse_json``),
dates, DID helpers, Bitstring Status Lists and the trust registry. The modules behind
them are internal.
"""

from openler.vc.baking import bake_png, bake_svg, extract_png, extract_svg
from openler.vc.credentials import build_presentation, sign_credential, sign_presentation
from openler.vc.dataintegrity import (
    CRYPTOSUITES,
    CanonicalForms,
    Cryptosuite,
    ProofCheck,
    add_proof,
    check_proofs,
    new_proof,
)
from openler.vc.dates import format_datetime, parse_datetime
from openler.vc.dcql import FORMATS as DCQL_FORMATS
from openler.vc.dcql import (
    Candidate,
    DcqlError,
    MatchResult,
    describe_credential_query,
    expanded_types,
)
from openler.vc.dcql import check_query as check_dcql_query
from openler.vc.dcql import describe as describe_dcql_query
from openler.vc.dcql import match as match_dcql
from openler.vc.dcql import satisfied as dcql_satisfied
from openler.vc.did import (
    DID_CONTEXT,
    Fetched,
    Fetcher,
    Resolver,
    VerificationMethod,
    did_web_for,
    did_web_url,
)
from openler.vc.errors import (
    ContextError,
    FetchLimitError,
    InputError,
    JoseError,
    KeyFormatError,
    KeyProofError,
    NotCompactError,
    ProofError,
    ResolutionError,
    UnauthorizedMethodError,
    UndefinedTermError,
    UnknownContextError,
    VCError,
)
from openler.vc.jcs import canonicalize as jcs_canonicalize
from openler.vc.jsonld import DocumentLoader
from openler.vc.jsontext import MAX_DEPTH as MAX_JSON_DEPTH
from openler.vc.jsontext import parse as parse_json
from openler.vc.keyproofs import PROOF_TYPE as KEY_PROOF_TYPE
from openler.vc.keyproofs import (
    KeyProof,
    check_key_proof,
    did_jwk,
    encode_jwt_credential,
    sign_key_proof,
)
from openler.vc.keys import Multikey
from openler.vc.models import (
    ACHIEVEMENT_TYPES,
    ALIGNMENT_TARGET_TYPES,
    ASSOCIATION_TYPES,
    RESULT_TYPES,
    VC_V1,
    Achievement,
)
from openler.vc.oid4vp import (
    REQUEST_OBJECT_TYP,
    RequestError,
    RequestObject,
    check_request,
    check_vp_token,
    read_request_object,
    sign_request_object,
    unverified_jwt_document,
)
from openler.vc.oid4vp import UNRESERVED as UNRESERVED_CHARACTERS
from openler.vc.report import CHECK_IDS, Check, Policy, VerificationReport
from openler.vc.shapecheck import ShapeChecks
from openler.vc.statuslist import (
    MIN_ENTRIES as MIN_STATUS_ENTRIES,
)
from openler.vc.statuslist import (
    PURPOSES as STATUS_PURPOSES,
)
from openler.vc.statuslist import (
    Bitstring,
    IndexAllocator,
    Purpose,
    StatusListError,
    freshness,
    status_entry,
    status_list_credential,
)
from openler.vc.statuslist import (
    read_list as read_status_list,
)
from openler.vc.statuslist import (
    with_bits as status_list_with_bits,
)
from openler.vc.trust import (
    STATES as TRUST_STATES,
)
from openler.vc.trust import (
    CredentialFacts,
    EntryState,
    Recognition,
    Scope,
    TrustDecision,
    TrustEntry,
    TrustRegistry,
    TrustRegistryError,
)
from openler.vc.verify import (
    MAX_INPUT_BYTES,
    Resolvers,
    credential_problems,
    embedded_input,
    load_trust_snapshot,
    verify,
)

__all__ = [
    "ACHIEVEMENT_TYPES",
    "ALIGNMENT_TARGET_TYPES",
    "ASSOCIATION_TYPES",
    "CHECK_IDS",
    "CRYPTOSUITES",
    "DCQL_FORMATS",
    "DID_CONTEXT",
    "KEY_PROOF_TYPE",
    "MAX_INPUT_BYTES",
    "MAX_JSON_DEPTH",
    "MIN_STATUS_ENTRIES",
    "REQUEST_OBJECT_TYP",
    "RESULT_TYPES",
    "STATUS_PURPOSES",
    "TRUST_STATES",
    "UNRESERVED_CHARACTERS",
    "VC_V1",
    "Achievement",
    "Bitstring",
    "Candidate",
    "CanonicalForms",
    "Check",
    "ContextError",
    "CredentialFacts",
    "Cryptosuite",
    "DcqlError",
    "DocumentLoader",
    "EntryState",
    "FetchLimitError",
    "Fetched",
    "Fetcher",
    "IndexAllocator",
    "InputError",
    "JoseError",
    "KeyFormatError",
    "KeyProof",
    "KeyProofError",
    "MatchResult",
    "Multikey",
    "NotCompactError",
    "Policy",
    "ProofCheck",
    "ProofError",
    "Purpose",
    "Recognition",
    "RequestError",
    "RequestObject",
    "ResolutionError",
    "Resolver",
    "Resolvers",
    "Scope",
    "ShapeChecks",
    "StatusListError",
    "TrustDecision",
    "TrustEntry",
    "TrustRegistry",
    "TrustRegistryError",
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
    "check_dcql_query",
    "check_key_proof",
    "check_proofs",
    "check_request",
    "check_vp_token",
    "credential_problems",
    "dcql_satisfied",
    "describe_credential_query",
    "describe_dcql_query",
    "did_jwk",
    "did_web_for",
    "did_web_url",
    "embedded_input",
    "encode_jwt_credential",
    "expanded_types",
    "extract_png",
    "extract_svg",
    "format_datetime",
    "freshness",
    "jcs_canonicalize",
    "load_trust_snapshot",
    "match_dcql",
    "new_proof",
    "parse_datetime",
    "parse_json",
    "read_request_object",
    "read_status_list",
    "sign_credential",
    "sign_key_proof",
    "sign_presentation",
    "sign_request_object",
    "status_entry",
    "status_list_credential",
    "status_list_with_bits",
    "unverified_jwt_document",
    "verify",
]
