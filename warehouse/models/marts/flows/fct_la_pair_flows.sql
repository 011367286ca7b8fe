{#- One row per sending LA x receiving LA x flow year on the full pair grid (zero moves where
    none were published), from the ONS detailed estimates, with the sending population, both
    ends' typologies and both ends' covariates lagged one year. `has_observed_moves` marks the
    rows published data contain. Census 2011 flows live in fct_census_la_pair_flows, so that
    summing this table by year never counts 2011 twice.
    Incremental by year: a run reloads only the years the load log (fct_flow_file_loads) saw
    change since this table last loaded them; `loaded_at` says when each year was loaded. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='year',
    on_schema_change='fail',
    pre_hook="{{ delete_years_gone_upstream(pair_move_years_loaded()) }}"
) }}
{%- set reload_years = years_to_reload(pair_move_years_loaded()) %}

with

grid as (

    select * from {{ ref('int_pair_flows_on_grid') }}
    where flow_source = 'ons_detailed_estimates'
    {%- if reload_years is not none %}
        and {{ in_years('year', reload_years) }}
    {%- endif %}

),

final as (

    select
        {{ pair_flow_columns() }},
        {{ load_timestamp() }} as loaded_at

    from grid

)

select * from final
