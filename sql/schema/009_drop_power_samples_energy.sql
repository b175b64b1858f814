-- The DCGM energy counter (power_samples.energy_mj) was parsed and stored but never used:
-- measured energy is the trapezoid of power_w (wattledger/attribution.py). It goes.
alter table power_samples drop column energy_mj;
