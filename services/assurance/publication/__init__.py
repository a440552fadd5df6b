"""Publication: results frozen, rated, autonomy decided and support needs identified."""
