"""The catalog: organizations, datasets, resources and their releases."""
