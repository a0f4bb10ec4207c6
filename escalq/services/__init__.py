"""Business rules as plain functions; the caller owns the transaction."""
