"""Dash pages (one per URL) and, in modules starting with "_", the Flask side of the dashboard:
login and the guard, languages, the shell, map routes."""
