"""Tests of French sentence splitting and the summarizer."""
