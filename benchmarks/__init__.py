"""Benchmarks of Dépêche: they print figures; tests never assert them."""
