"""Micro operations."""
