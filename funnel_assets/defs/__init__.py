"""The Dagster definitions, one folder per domain: marketing, zoom, sales, reporting, ops."""
