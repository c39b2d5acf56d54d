"""Tables for analysts derived from the published corpus, one date (one asset partition) at a time."""
