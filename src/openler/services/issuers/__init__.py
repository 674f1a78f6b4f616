"""What issuers do: organizations and their keys, achievements, issuing, status lists."""
