-- Issue 16: the vintage of a datacenter's contractual instruments (RECs, GOs, PPAs). The GHG
-- Protocol Scope 2 Quality Criteria (Scope 2 Guidance, 2015, ch. 7.5, criterion 4) ask that an
-- instrument be issued for generation close to the reporting period: wattledger applies an
-- instrument only to runs of its vintage year (wattledger.factors.market).
alter table datacenters add column market_vintage_year integer;  -- year of the generation the instruments cover
