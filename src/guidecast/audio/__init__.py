"""Stage 5: sound itself: leveling to one loudness, generated sounds, PCM rendering."""
