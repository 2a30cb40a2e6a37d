"""Encryption at rest: key hierarchy, field cipher, blind indexes, chunked blobs."""
