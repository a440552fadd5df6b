"""Reports on published results: league tables, distributions, change, CSV and SVG."""
