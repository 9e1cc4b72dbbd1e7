"""The terminal side of sync: credentials, transport, rounds, background worker, guard."""
