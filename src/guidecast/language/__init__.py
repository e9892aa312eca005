"""What a language says: the phrase bank of cue words, numbers and times in words."""
