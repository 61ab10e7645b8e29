"""The neutral core: exact money, UTC time and the domain types the accounting consumes.

Every layer may import it; it imports nothing of the project. The API clients adapt their
JSON to these types, so the accounting never imports a client.
"""
