"""charters: team service charters in YAML, checked and rendered into an offline MkDocs site."""

__version__ = "0.1.0"
