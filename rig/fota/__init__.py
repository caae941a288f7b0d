"""Firmware update (issue 7): package images (image.py)."""
