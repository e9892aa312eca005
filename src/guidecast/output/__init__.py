"""Stage 6: files for players: encoders, MP3, tags, cover, captions, manifest, page."""
