{#- Every (flow year, flow source) with the year whose sending population and covariates the
    flow models use. Normally the flow year itself (covariates lagged one more year); a flow
    year beyond the warehouse's population years (Census 2021) takes the nearest available
    year, and fct_covariate_coverage declares it. -#}
with

pair_moves as (

    select * from {{ ref('int_moves_summed_to_pairs') }}

),

population as (

    select * from {{ ref('fct_la_year_population') }}

),

last_year as (

    select max(year) as year from population

),

final as (

    select distinct
        pair_moves.year,
        pair_moves.flow_source,
        pair_moves.flow_source = 'ons_detailed_estimates' as has_sex_and_age,
        least(pair_moves.year, last_year.year) as covariate_year

    from pair_moves
    cross join last_year

)

select * from final
