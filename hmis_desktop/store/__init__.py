"""The local store: SQLAlchemy models, encryption machinery, migrations, and the `Store` that opens them."""
