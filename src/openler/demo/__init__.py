"""Demo data for the stories in ARCHITECTURE.md (small, written for openler)."""
