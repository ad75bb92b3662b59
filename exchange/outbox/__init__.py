"""Packages the service writes for 1C: numbering, documents and delivery."""
