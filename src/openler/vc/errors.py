"""The exceptions raised by ``openler.vc``.

Every error the standards engine raises derives from :class:`VCError`::

    VCError
    ├── InputError              unreadable, malformed or oversized input
    ├── ContextError            JSON-LD processing refused the document
    │   ├── UnknownContextError     a context URL that is not bundled or supplied
    │   ├── UndefinedTermError      a term the contexts do not define (safe mode)
    │   └── NotCompactError         not in the compact form its contexts define
    ├── KeyFormatError          a key or multibase value that cannot be decoded
    ├── ResolutionError         a DID, controller document or verification method
    │   │                       could not be resolved
    │   ├── UnauthorizedMethodError  the method is not authorised for the proof purpose
    │   └── FetchLimitError     the verification's budget of fetches or time is spent
    ├── ProofError              a proof could not be created
    ├── JoseError               a compact JWT could not be parsed
    └── KeyProofError           a wallet's proof of possession (OpenID4VCI) is refused

Errors from third-party libraries (pyld, cryptography, joserfc) are translated into these
at the boundary, so callers never need to catch anything else.
"""

from __future__ import annotations


class VCError(Exception):
    """Base class of every ``openler.vc`` error."""

    code = "vc_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(VCError):
    """The input is not JSON, too large, or not the shape that was expected."""

    code = "invalid_input"


class ContextError(VCError):
    """JSON-LD processing failed."""

    code = "context"


class UnknownContextError(ContextError):
    """A context URL that is neither bundled nor supplied by the caller."""

    code = "unknown_context"

    def __init__(self, url: str) -> None:
        super().__init__(
            f"unknown JSON-LD context {url!r}: it is not bundled with openler and was not "
            "supplied (use --context URL=FILE); contexts are never fetched from the network"
        )
        self.url = url


class UndefinedTermError(ContextError):
    """A property or type the active contexts do not define (JSON-LD safe mode)."""

    code = "undefined_term"

    def __init__(self, term: str) -> None:
        super().__init__(f"term {term!r} is not defined by the document's @context")
        self.term = term


class KeyFormatError(VCError):
    """A key file, Multikey value or multibase string that cannot be decoded."""

    code = "key_format"


class ResolutionError(VCError):
    """A DID, controller document or verification method could not be resolved."""

    code = "resolution"


class UnauthorizedMethodError(ResolutionError):
    """The controller document does not authorise the method for the proof purpose."""

    code = "unauthorized_method"


class FetchLimitError(ResolutionError):
    """A fetch refused because the verification has used up its fetches or its time.

    Unlike other resolution failures it is never accepted as "status unknown" by a lenient
    policy: a document must not be able to exhaust the budget to hide a later check.
    """

    code = "fetch_limit"


class ProofError(VCError):
    """A proof could not be created from the given document and options."""

    code = "proof"


class JoseError(VCError):
    """A compact JWS/JWT that cannot be parsed."""

    code = "jose"


class NotCompactError(ContextError):
    """A document not in the compact form its own contexts define (VC Data Model 2.0
    §6.1), so that the fields a verifier reads might not be the ones that were signed."""

    code = "not_compact"


class KeyProofError(VCError):
    """A wallet's proof of possession of a key (an OpenID4VCI ``jwt`` proof) is refused:
    malformed, signed by another key, for another audience, or too old."""

    code = "invalid_proof"
