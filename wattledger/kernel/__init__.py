"""Pure numpy kernels: arrays in, arrays out. No IO, no tables, no clocks."""

from wattledger.kernel.energy import facility_energy_kwh, it_energy_kwh
from wattledger.kernel.emissions import co2e_kg, market_co2e_kg
from wattledger.kernel.cost import amortised_price_per_gpu_hour, compute_cost, energy_cost, energy_cost_share, total_cost
from wattledger.kernel.equivalences import car_years, household_years
from wattledger.kernel.footprint import FootprintInputs, footprints

__all__ = [
    "FootprintInputs",
    "amortised_price_per_gpu_hour",
    "car_years",
    "co2e_kg",
    "compute_cost",
    "energy_cost",
    "energy_cost_share",
    "facility_energy_kwh",
    "footprints",
    "household_years",
    "it_energy_kwh",
    "market_co2e_kg",
    "total_cost",
]
