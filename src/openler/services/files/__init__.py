"""File-based tools for the CLI (issuers and verifiers without a server): key, context
and document files, batch signing and verification, status list and trust registry files."""
