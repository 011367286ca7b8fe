{#- Census LA-pair flows (moves in the year before census day, all ages and sexes) on the
    full pair grid of flow year 2011 (and 2021 on the current vintage), with the same sending population, typologies and lagged
    covariates as fct_la_pair_flows has for 2011, so the flow models run on either source.
    The census matrix has no sex or age breakdown: those move columns are left out. -#}
with

grid as (

    select * from {{ ref('int_pair_flows_on_grid') }}

),

final as (

    select
        {{ pair_flow_columns(with_breakdowns=false) }}

    from grid
    where flow_source in ('census_2011', 'census_2021')

)

select * from final
