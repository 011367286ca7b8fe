{#- Moves per sending LA, receiving LA, year and flow source: the ONS detailed estimates in
    total and by sex and age band, and the Census 2011 OD matrix (year before census day) as a
    flow year of its own, and the Census 2021 OD matrix (current vintage only) as 2021, total only (the all-persons matrix has no sex or age breakdown, so
    those columns are null rather than a misleading 0). -#}
{#- Incremental by year (docs/operations.md): a run reads the detailed-estimates files of the
    years the load log saw change (DuckDB skips the other files) and always the census. The
    key is one string, so the delete is `(year, flow_source) in (...)`: as a list, dbt-duckdb
    deletes through a join of every row of a year with every new row of it (slow). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='year, flow_source',
    on_schema_change='fail',
    pre_hook="{{ delete_years_gone_upstream(flow_file_years_loaded(), detailed_estimates_year()) }}"
) }}
{%- set reload_years = years_to_reload(flow_file_years_loaded(), detailed_estimates_year()) %}

with

moves as (

    select * from {{ ref('stg_ons_migration__moves') }}
    {%- if reload_years is not none %}
    where {{ in_years('year', reload_years) }}
    {%- endif %}

),

census_moves as (

    select * from {{ ref('stg_ons_census__la_od_2011') }}

),

detailed_summed as (

    select
        sending_la_code,
        receiving_la_code,
        year,
        'ons_detailed_estimates' as flow_source,
        {%- for b in flow_breakdowns() %}
        sum(case when {{ b.condition }} then moves else 0 end) as moves{{ b.suffix }},
        {%- endfor %}
        count(*) as published_rows

    from moves
    group by sending_la_code, receiving_la_code, year

),

census_moves_2021 as (

    select * from {{ ref('stg_ons_census__la_od_2021') }}

),

census_both as (

    select sending_la_code, receiving_la_code, year, 'census_2011' as flow_source, moves
    from census_moves
    union all
    select sending_la_code, receiving_la_code, year, 'census_2021' as flow_source, moves
    from census_moves_2021

),

census_pairs as (

    select
        sending_la_code,
        receiving_la_code,
        year,
        flow_source,
        {%- for b in flow_breakdowns() %}
        {%- if b.suffix == '' %}
        moves,
        {%- else %}
        cast(null as double) as moves{{ b.suffix }},
        {%- endif %}
        {%- endfor %}
        1 as published_rows

    from census_both

),

final as (

    select * from detailed_summed
    union all
    select * from census_pairs

)

select *, {{ load_timestamp() }} as loaded_at from final
