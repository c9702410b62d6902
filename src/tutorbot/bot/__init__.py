"""The Discord adapter: a thin layer over the tutor services."""
