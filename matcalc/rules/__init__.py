"""Rule tables, one module per job: simplification, differentials, identification."""
