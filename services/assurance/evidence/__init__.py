"""Evidence documents attached to sub-competencies of a self-assessment."""
