"""Set-based queries that run in the database and return domain values."""
