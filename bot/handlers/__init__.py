"""Telegram handlers, one module per feature; each exposes ``register(app)``; app.py wires them."""
