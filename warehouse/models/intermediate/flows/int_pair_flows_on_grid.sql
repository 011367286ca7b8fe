{#- The full LA-pair grid for every (flow year, flow source) with moves, sending population,
    both ends' typologies and both ends' covariates lagged one year. One implementation for
    both flow marts (fct_la_pair_flows: ONS detailed estimates; fct_census_la_pair_flows:
    Census 2011), which only filter it; a view, so the wide grid is stored once, in the marts.
    Sex and age-band moves are null where the source has no such breakdown (the census).
    Population and covariates are those of the flow year's covariate_year (the flow year,
    or for Census 2021 the nearest year the warehouse has). -#}
{{ config(materialized='view') }}

with

pairs as (

    select * from {{ ref('dim_la_pairs') }}

),

pair_moves as (

    select * from {{ ref('int_moves_summed_to_pairs') }}

),

flow_years as (

    select * from {{ ref('int_flow_years_matched_to_covariates') }}

),

population as (

    select * from {{ ref('fct_la_year_population') }}

),

covariates as (

    select * from {{ ref('fct_la_year_covariates') }}

),

local_authorities as (

    select * from {{ ref('dim_local_authorities') }}

),

grid as (

    select
        pairs.sending_la_code,
        pairs.receiving_la_code,
        flow_years.year,
        flow_years.flow_source,
        flow_years.has_sex_and_age,
        flow_years.covariate_year,
        pairs.distance_miles,
        pairs.log_distance,
        pairs.shares_border

    from pairs
    cross join flow_years

),

final as (

    select
        grid.sending_la_code,
        grid.receiving_la_code,
        grid.year,
        grid.flow_source,
        pair_moves.sending_la_code is not null as has_observed_moves,
        {%- for b in flow_breakdowns() %}
        {%- if b.suffix == '' %}
        coalesce(pair_moves.moves, 0) as moves,
        {%- else %}
        case
            when grid.has_sex_and_age then coalesce(pair_moves.moves{{ b.suffix }}, 0)
        end as moves{{ b.suffix }},
        {%- endif %}
        {%- endfor %}
        {%- for b in flow_breakdowns() %}
        population.population{{ b.suffix }} as sending_population{{ b.suffix }},
        {%- endfor %}
        grid.distance_miles,
        grid.log_distance,
        grid.shares_border,
        sending.country_name as sending_country,
        receiving.country_name as receiving_country,
        sending.region_name as sending_region,
        receiving.region_name as receiving_region,
        {%- for t in typologies() %}
        sending.{{ t.column }} as sending_{{ t.column }},
        receiving.{{ t.column }} as receiving_{{ t.column }},
        {%- endfor %}
        {%- for c in covariate_columns() %}
        sending_covariates.{{ c }}_lag1 as sending_{{ c }}_lag1,
        receiving_covariates.{{ c }}_lag1 as receiving_{{ c }}_lag1{{ "," if not loop.last }}
        {%- endfor %}

    from grid
    left join pair_moves
        on grid.sending_la_code = pair_moves.sending_la_code
        and grid.receiving_la_code = pair_moves.receiving_la_code
        and grid.year = pair_moves.year
        and grid.flow_source = pair_moves.flow_source
    left join population
        on grid.sending_la_code = population.la_code
        and grid.covariate_year = population.year
    left join covariates as sending_covariates
        on grid.sending_la_code = sending_covariates.la_code
        and grid.covariate_year = sending_covariates.year
    left join covariates as receiving_covariates
        on grid.receiving_la_code = receiving_covariates.la_code
        and grid.covariate_year = receiving_covariates.year
    left join local_authorities as sending on grid.sending_la_code = sending.la_code
    left join local_authorities as receiving on grid.receiving_la_code = receiving.la_code

)

select * from final
