"""Database layer: declarative bases, models, engine configuration and transactions."""
