"""Stage 1: a YAML routine file -> a validated `Routine`; pacing files; the shipped library."""
