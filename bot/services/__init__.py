"""The logic between handlers and storage: hubs and roles, time zones, delivery, scheduling."""
