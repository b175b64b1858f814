"""wattledger: energy, CO2e and electricity cost of GPU training runs."""

__version__ = "0.1.0"
