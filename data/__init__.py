"""The domain and its storage. Never imports dash or flask."""
