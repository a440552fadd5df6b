"""Regional (SHA) and national (DoH) calibration of panel results, each change with a reason."""
