{#- Per covariate and year: the source and source year that fill it, and how many LAs were
    observed, filled by the declared rule, or missing. Nothing is filled silently. -#}
with

coverage as (

    select * from {{ ref('stg_la_indicators__coverage') }}

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

)

select * from final
