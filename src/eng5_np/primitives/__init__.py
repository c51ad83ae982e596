"""Small I/O primitives every layer uses: atomic file writes, the text checksum, URL redaction.

- ``atomic``: replace a file so readers see the old one or the new one, never half of one;
- ``hashing``: the SHA-256 text checksum shared by the inventory, the upload cache and anchors;
- ``heap``: the garbage collector kept off the objects a run holds throughout;
- ``redaction``: credentials in URLs never leave the process.

Imports nothing from the rest of the package.
"""
