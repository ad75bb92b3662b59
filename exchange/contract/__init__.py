"""The file contract with 1C: schemas, parsing, validation and typed models."""
