"""Simulated time: one step is one day; years and months as every measure counts them."""

DAY = 1
YEAR = 365.0
MONTH = YEAR / 12
