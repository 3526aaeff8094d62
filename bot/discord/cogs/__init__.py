"""One cog per feature. Thin: parse, defer, call the service, reply (in French)."""
