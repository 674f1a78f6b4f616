"""The state LER office: the trust registry."""
