{#- Per covariate and year: the source and source year that fill it, and how many LAs were
    observed, filled by the declared rule, or missing. Nothing is filled silently. A flow year
    beyond the warehouse's population years (Census 2021) is declared here too: its models
    use the population and covariates of the nearest year the warehouse has. -#}
with

coverage as (

    select * from {{ ref('stg_la_indicators__coverage') }}

),

flow_years as (

    select * from {{ ref('int_flow_years_matched_to_covariates') }}

),

nearest_year as (

    select
        'all flow-model covariates (' || flow_source || ' flows)' as indicator,
        year,
        'fct_la_year_population; fct_la_year_covariates' as source_file,
        covariate_year as source_year,
        true as filled_by_rule,
        cast(null as integer) as la_observed,
        cast(null as integer) as la_filled,
        cast(null as integer) as la_filled_from_neighbours,
        cast(null as integer) as la_missing,
        'nearest available year: sending population of mid-' || covariate_year
        || ', covariates of ' || (covariate_year - 1) || ' (lag one year), for flows of '
        || year as note

    from flow_years
    where covariate_year <> year

),

final as (

    select
        indicator,
        year,
        source_file,
        source_year,
        filled_by_rule,
        la_observed,
        la_filled,
        la_filled_from_neighbours,
        la_missing,
        note

    from coverage
    union all
    select * from nearest_year  -- the same columns, in the same order

)

select * from final
