"""Dépêche package."""
