{#- One row per sending LA x receiving LA x flow year on the full pair grid (zero moves where
    none were published), from the ONS detailed estimates, with the sending population, both
    ends' typologies and both ends' covariates lagged one year. `has_observed_moves` marks the
    rows published data contain. Census 2011 flows live in fct_census_la_pair_flows, so that
    summing this table by year never counts 2011 twice. -#}
with

grid as (

    select * from {{ ref('int_pair_flows_on_grid') }}

),

final as (

    select
        {{ pair_flow_columns() }}

    from grid
    where flow_source = 'ons_detailed_estimates'

)

select * from final
