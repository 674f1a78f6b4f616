"""Use cases, grouped by domain: ``people``, ``issuers``, ``holders``, ``verifiers``,
``office``; cross-cutting ``context``, ``errors``, ``secrets``, ``audit``, ``jobs``, ``demo``;
and ``files``, the file-based tools of the CLI."""
