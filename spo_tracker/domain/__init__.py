"""The domain model: attrs and pendulum only, no storage, no clock reads."""
