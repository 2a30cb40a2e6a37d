"""The central multi-tenant HMIS API (FastAPI). Built in a later issue; sync is tested end to end against it."""
