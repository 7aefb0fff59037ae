"""Scenario files: schema, loading, and the validated Scenario."""
