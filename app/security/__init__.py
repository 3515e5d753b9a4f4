"""Authentication: integration keys, the calling actor, and the bootstrap root actor."""
