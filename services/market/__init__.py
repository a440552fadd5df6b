"""Market.

Simulation of the commissioning-support market: scenarios, runs, Monte Carlo, calibration.
"""
