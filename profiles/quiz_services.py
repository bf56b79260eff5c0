"""Placeholder: filled in by the profiles issue."""
