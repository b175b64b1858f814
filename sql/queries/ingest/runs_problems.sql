-- grain: one row per problem found in a typed record (table `typed`, from runs_typed.sql).
-- A record with any problem is rejected whole; its other values are not stored.
-- Parameters: the limits of wattledger/ingest/contract.py (LIMITS).
with

typed as (
    select * from typed
),

suspects as materialized (
    -- one scan: the records that any check below could reject (a superset: each branch's own
    -- condition is one term of this OR), so that the checks run over these few rows only, not
    -- over every record once per check (issue 20). The repeated run_id check reads every record.
    select *
    from typed
    where run_id is null
        or (isfinite(gpu_count_num) and gpu_count_num >= case when has_machine then 0 else 1 end and gpu_count_num <> round(gpu_count_num))
        or (started_at_raw is not null and started_at is null)
        or (ended_at_raw is not null and ended_at is null)
        or year(started_at) < $earliest_year or year(started_at) > $latest_year
        or year(ended_at) < $earliest_year or year(ended_at) > $latest_year
        or ended_at < started_at
        or duration_s / 3600.0 > $max_duration_h
        or (gpu_hours_raw is null and gpu_count * duration_s / 3600.0 > $max_gpu_hours)
        or (isfinite(gpu_hours_logged) and (gpu_hours_logged > gpu_count * duration_s / 3600.0 * (1 + $gpu_hours_over_allocation) + gpu_count * $gpu_hours_rounding_h
            or gpu_hours_logged < gpu_count * duration_s / 3600.0 * $min_gpu_hours_share))
        or (gpu_hours_raw is null and (started_at_raw is null or ended_at_raw is null))
        or (gpu_count_raw is null and gpu_hours_raw is null and not has_machine)
        or (price_raw is not null and currency is null)
        or (currency is not null and not regexp_full_match(currency, '[A-Z]{3}'))
        or (compute_price_raw is not null and compute_currency is null)
        or (compute_currency is not null and not regexp_full_match(compute_currency, '[A-Z]{3}'))
        or (measured_energy_raw is not null and measured_energy_source is null)
        or (measured_energy_raw is null and measured_energy_source is null
            and coalesce(measured_gpu_energy_raw, measured_cpu_energy_raw, measured_ram_energy_raw) is not null)
        or source_format is null
        or (gpu_count_raw is not null and (gpu_count_num is null or not isfinite(gpu_count_num) or gpu_count_num < case when has_machine then 0.0 else 1.0 end or gpu_count_num > $max_gpu_count))
        or (gpu_hours_raw is not null and (gpu_hours_logged is null or not isfinite(gpu_hours_logged) or gpu_hours_logged < 0.0 or gpu_hours_logged > $max_gpu_hours))
        or (avg_power_w_raw is not null and (avg_power_w is null or not isfinite(avg_power_w) or avg_power_w < $min_power_w or avg_power_w > $max_power_w))
        or (pue_raw is not null and (pue is null or not isfinite(pue) or pue < $min_pue or pue > $max_pue))
        or (grid_intensity_raw is not null and (grid_intensity_kg_per_kwh is null or not isfinite(grid_intensity_kg_per_kwh) or grid_intensity_kg_per_kwh < 0.0 or grid_intensity_kg_per_kwh > $max_intensity_kg_per_kwh))
        or (price_raw is not null and (price_per_kwh is null or not isfinite(price_per_kwh) or price_per_kwh < 0.0 or price_per_kwh > $max_price_per_kwh))
        or (measured_energy_raw is not null and (measured_it_energy_kwh is null or not isfinite(measured_it_energy_kwh) or measured_it_energy_kwh < 0.0 or measured_it_energy_kwh > $max_energy_kwh))
        or (tracker_co2e_raw is not null and (tracker_co2e_kg is null or not isfinite(tracker_co2e_kg) or tracker_co2e_kg < 0.0 or tracker_co2e_kg > $max_co2e_kg))
        or (compute_price_raw is not null and (compute_price_per_gpu_hour is null or not isfinite(compute_price_per_gpu_hour) or compute_price_per_gpu_hour < 0.0 or compute_price_per_gpu_hour > $max_compute_price_per_gpu_hour))
        or (cpu_cores_raw is not null and (cpu_cores is null or not isfinite(cpu_cores) or cpu_cores < 0.0 or cpu_cores > $max_cpu_cores or cpu_cores = 0.0))
        or (cpu_power_raw is not null and (cpu_power_w is null or not isfinite(cpu_power_w) or cpu_power_w < 0.0 or cpu_power_w > $max_cpu_power_w))
        or (ram_gb_raw is not null and (ram_gb is null or not isfinite(ram_gb) or ram_gb < 0.0 or ram_gb > $max_ram_gb))
        or (measured_gpu_energy_raw is not null and (measured_gpu_energy_kwh is null or not isfinite(measured_gpu_energy_kwh) or measured_gpu_energy_kwh < 0.0 or measured_gpu_energy_kwh > $max_energy_kwh))
        or (measured_cpu_energy_raw is not null and (measured_cpu_energy_kwh is null or not isfinite(measured_cpu_energy_kwh) or measured_cpu_energy_kwh < 0.0 or measured_cpu_energy_kwh > $max_energy_kwh))
        or (measured_ram_energy_raw is not null and (measured_ram_energy_kwh is null or not isfinite(measured_ram_energy_kwh) or measured_ram_energy_kwh < 0.0 or measured_ram_energy_kwh > $max_energy_kwh))
        or (wue_raw is not null and (wue_l_per_kwh is null or not isfinite(wue_l_per_kwh) or wue_l_per_kwh < 0.0 or wue_l_per_kwh > $max_wue_l_per_kwh))
        or (tracker_water_raw is not null and (tracker_water_l is null or not isfinite(tracker_water_l) or tracker_water_l < 0.0 or tracker_water_l > $max_water_l))
),

repeated_run_ids as (
    -- run ids given more than once: counted by a grouping (then joined back to their few records),
    -- not by a window over every record
    select run_id, count(*) as records
    from typed
    where run_id is not null
    group by run_id
    having count(*) > 1
),

number_checks as materialized (
    -- (column, raw text, parsed value, lower bound, upper bound) of each numeric value that
    -- fails a check below (only those rows are kept: the branches below classify them)
    select _line, column_name, raw, value, lo, hi, lo_inclusive
    from suspects,
    lateral (values
        ('gpu_count', gpu_count_raw, gpu_count_num, case when has_machine then 0.0 else 1.0 end, $max_gpu_count, true),
        ('gpu_hours', gpu_hours_raw, gpu_hours_logged, 0.0, $max_gpu_hours, true),
        ('avg_power_w', avg_power_w_raw, avg_power_w, $min_power_w, $max_power_w, true),
        ('pue', pue_raw, pue, $min_pue, $max_pue, true),
        ('grid_intensity_kg_per_kwh', grid_intensity_raw, grid_intensity_kg_per_kwh, 0.0, $max_intensity_kg_per_kwh, true),
        ('price_per_kwh', price_raw, price_per_kwh, 0.0, $max_price_per_kwh, true),
        ('measured_it_energy_kwh', measured_energy_raw, measured_it_energy_kwh, 0.0, $max_energy_kwh, true),
        ('tracker_co2e_kg', tracker_co2e_raw, tracker_co2e_kg, 0.0, $max_co2e_kg, true),
        ('compute_price_per_gpu_hour', compute_price_raw, compute_price_per_gpu_hour, 0.0, $max_compute_price_per_gpu_hour, true),
        ('cpu_cores', cpu_cores_raw, cpu_cores, 0.0, $max_cpu_cores, false),
        ('cpu_power_w', cpu_power_raw, cpu_power_w, 0.0, $max_cpu_power_w, true),
        ('ram_gb', ram_gb_raw, ram_gb, 0.0, $max_ram_gb, true),
        ('measured_gpu_energy_kwh', measured_gpu_energy_raw, measured_gpu_energy_kwh, 0.0, $max_energy_kwh, true),
        ('measured_cpu_energy_kwh', measured_cpu_energy_raw, measured_cpu_energy_kwh, 0.0, $max_energy_kwh, true),
        ('measured_ram_energy_kwh', measured_ram_energy_raw, measured_ram_energy_kwh, 0.0, $max_energy_kwh, true),
        ('wue_l_per_kwh', wue_raw, wue_l_per_kwh, 0.0, $max_wue_l_per_kwh, true),
        ('tracker_water_l', tracker_water_raw, tracker_water_l, 0.0, $max_water_l, true)
    ) as c(column_name, raw, value, lo, hi, lo_inclusive)
    where raw is not null
        and (value is null or not isfinite(value) or value < lo or value > hi or (not lo_inclusive and value = lo))
),

problems as (
    select _line, 'run_id' as column_name, null as value, 'missing run_id' as reason, null as detail
    from suspects where run_id is null

    union all
    select _line, 'run_id', run_id, 'run_id repeated within this file',
        records || ' records with this run_id; all are rejected'
    from typed join repeated_run_ids using (run_id)

    union all
    select _line, column_name, raw, 'not a number', null
    from number_checks where value is null

    union all
    select _line, column_name, raw, 'not a finite number', null
    from number_checks where value is not null and not isfinite(value)

    union all
    select _line, column_name, raw,
        'must be ' || case when lo_inclusive then 'at least ' else 'greater than ' end || printf('%g', lo), null
    from number_checks
    where isfinite(value) and (value < lo or (not lo_inclusive and value = lo))

    union all
    select _line, column_name, raw, 'above the sanity ceiling of ' || printf('%g', hi),
        'see LIMITS in wattledger/ingest/contract.py'
    from number_checks where isfinite(value) and value > hi

    union all
    select _line, 'gpu_count', gpu_count_raw, 'not a whole number', null
    from suspects
    where isfinite(gpu_count_num) and gpu_count_num >= case when has_machine then 0 else 1 end
        and gpu_count_num <> round(gpu_count_num)

    union all
    select _line, 'started_at', started_at_raw, 'not an ISO-8601 timestamp', null
    from suspects where started_at_raw is not null and started_at is null

    union all
    select _line, 'ended_at', ended_at_raw, 'not an ISO-8601 timestamp', null
    from suspects where ended_at_raw is not null and ended_at is null

    union all
    select _line, column_name, raw, 'outside the accepted years ' || $earliest_year::int || '-' || $latest_year::int,
        'see LIMITS in wattledger/ingest/contract.py'
    from suspects,
    lateral (values ('started_at', started_at_raw, started_at), ('ended_at', ended_at_raw, ended_at)) as t(column_name, raw, value)
    where year(value) < $earliest_year or year(value) > $latest_year

    union all
    select _line, 'ended_at', ended_at_raw, 'ended_at is before started_at', 'started_at ' || started_at_raw
    from suspects where ended_at < started_at

    union all
    select _line, 'ended_at', ended_at_raw, 'run longer than the sanity ceiling of ' || printf('%g', $max_duration_h) || ' h',
        'started_at ' || started_at_raw || '; see LIMITS in wattledger/ingest/contract.py'
    from suspects where duration_s / 3600.0 > $max_duration_h

    union all
    -- GPU-hours from the timestamps get the ceiling a logged gpu_hours gets
    select _line, 'gpu_hours', printf('%g', gpu_count * duration_s / 3600.0),
        'above the sanity ceiling of ' || printf('%g', $max_gpu_hours),
        'gpu_count x (ended_at - started_at); see LIMITS in wattledger/ingest/contract.py'
    from suspects
    where gpu_hours_raw is null and gpu_count between 1 and $max_gpu_count
        and duration_s between 0 and $max_duration_h * 3600.0 and gpu_count * duration_s / 3600.0 > $max_gpu_hours

    union all
    -- a logged gpu_hours beside gpu_count and both timestamps (each valid) must fit the allocation
    -- gpu_count x (ended_at - started_at): not above it (seconds logged as hours), not nearly nothing of it
    select _line, 'gpu_hours', gpu_hours_raw,
        case when gpu_hours_logged > allocation_h * (1 + $gpu_hours_over_allocation) + gpu_count * $gpu_hours_rounding_h
             then 'above gpu_count x (ended_at - started_at) by more than ' || printf('%g', 100 * $gpu_hours_over_allocation) || '%'
             else 'below ' || printf('%g', 100 * $min_gpu_hours_share) || '% of gpu_count x (ended_at - started_at)' end,
        'gpu_hours ' || printf('%g', gpu_hours_logged) || ' vs gpu_count ' || gpu_count || ' x (ended_at - started_at) '
            || printf('%g', duration_s / 3600.0) || ' h = ' || printf('%g', allocation_h)
            || ' GPU-hours; see LIMITS in wattledger/ingest/contract.py'
    from (select *, gpu_count * duration_s / 3600.0 as allocation_h from suspects)
    where isfinite(gpu_hours_logged) and gpu_hours_logged between 0 and $max_gpu_hours
        and gpu_count between 1 and $max_gpu_count
        and duration_s between 0 and $max_duration_h * 3600.0
        and year(started_at) between $earliest_year and $latest_year
        and year(ended_at) between $earliest_year and $latest_year
        and (gpu_hours_logged > allocation_h * (1 + $gpu_hours_over_allocation) + gpu_count * $gpu_hours_rounding_h
             or gpu_hours_logged < allocation_h * $min_gpu_hours_share)

    union all
    select _line, case when started_at_raw is null then 'started_at' else 'ended_at' end, null,
        'needs started_at and ended_at, or gpu_hours', null
    from suspects
    where gpu_hours_raw is null and (started_at_raw is null or ended_at_raw is null)

    union all
    select _line, 'gpu_count', null, 'needs gpu_count, or gpu_hours', 'a run without GPUs gives cpu_cores, cpu_power_w, ram_gb or a measured CPU energy instead'
    from suspects where gpu_count_raw is null and gpu_hours_raw is null and not has_machine

    union all
    select _line, 'currency', null, 'price_per_kwh needs a currency (ISO 4217, e.g. USD)', null
    from suspects where price_raw is not null and currency is null

    union all
    select _line, 'currency', currency, 'not an ISO 4217 currency code (three letters)', null
    from suspects where currency is not null and not regexp_full_match(currency, '[A-Z]{3}')

    union all
    select _line, 'compute_currency', null,
        'compute_price_per_gpu_hour needs compute_currency (ISO 4217, e.g. USD)', null
    from suspects where compute_price_raw is not null and compute_currency is null

    union all
    select _line, 'compute_currency', compute_currency, 'not an ISO 4217 currency code (three letters)', null
    from suspects where compute_currency is not null and not regexp_full_match(compute_currency, '[A-Z]{3}')

    union all
    select _line, 'measured_energy_source', null,
        'measured_it_energy_kwh needs measured_energy_source (the tracker or meter that measured it)', null
    from suspects where measured_energy_raw is not null and measured_energy_source is null

    union all
    select _line, 'measured_energy_source', null,
        'a measured energy needs measured_energy_source (the tracker or meter that measured it)', null
    from suspects
    where measured_energy_raw is null and measured_energy_source is null
        and coalesce(measured_gpu_energy_raw, measured_cpu_energy_raw, measured_ram_energy_raw) is not null

    union all
    select _line, 'source_format', null, 'internal: no source_format set by ingest', null
    from suspects where source_format is null
),

final as (
    select _line as line, column_name, value::varchar as value, reason, detail from problems
)

select * from final
