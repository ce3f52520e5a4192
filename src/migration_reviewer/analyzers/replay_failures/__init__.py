"""RP: what went wrong when the migrations were really run."""
