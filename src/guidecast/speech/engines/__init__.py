"""The speech engines, one module each (espeak-ng through pyttsx3, hibari, piper)."""
