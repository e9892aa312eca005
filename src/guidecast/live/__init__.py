"""Live playback: speech made just ahead, the player, sound devices and the view."""
