"""Numbered schema migrations, applied in order by `avalon.store.schema.upgrade()`."""
