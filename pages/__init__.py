"""Dash pages, one per URL. The Flask side they stand on (context, languages, the shell, the
guard) is in web/."""
