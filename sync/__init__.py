"""Sync between terminals and the central server: protocol, client, server."""
