"""Credentials in and out by standard protocols: OpenID4VCI, OpenID4VP and VC API exchanges,
openler on either side (issuer or wallet, verifier or wallet)."""
