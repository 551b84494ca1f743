"""Built-in embedding backends; each registers by name in retrieval.registry and loads its library on first use."""
