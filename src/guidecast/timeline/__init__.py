"""Stage 4: script + clip lengths -> a `Timeline` in samples (pure), and its chapters."""
