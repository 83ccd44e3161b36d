"""Every read. Keyword-only arguments and a scope; aggregates run in SQL."""
