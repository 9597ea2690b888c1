"""Data sets: vowel formants (a file the user points to), synthetic signal sets."""

from resonant.datasets.vowels import VowelData, load_vowels, vowel_task

__all__ = ["VowelData", "load_vowels", "vowel_task"]
