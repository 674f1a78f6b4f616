"""Skills use cases: frameworks imported and read, suggestions, postings and matching,
career navigation (issue 14). The computation is ``openler.skills``'."""
