"""guidecast: turn a routine written in YAML into a paced, voice-guided audio session."""

__version__ = "0.1.0"
