"""Renderers: each reads an Analysis and returns text, bytes or a new image array."""
