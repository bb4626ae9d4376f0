"""Routers: all POST, thin; each validates, calls one service or repository function, and answers."""
