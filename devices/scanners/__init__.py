"""Scanners: each turns raw input into ``on_code(str)`` calls."""
