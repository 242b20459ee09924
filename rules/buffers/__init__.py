"""Family 5: header buffers too small for the tokens and cookies a site receives."""
