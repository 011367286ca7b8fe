{#- LA-year covariates and their values one year earlier (`_lag1`), which is what the flow
    models use. The lag is a join on year - 1, so a missing year gives a null lag, never the
    value of another year. -#}
with

demography as (

    select la_code, year, share_aged_15_29, dependency_ratio
    from {{ ref('int_population_pivoted_to_la_year') }}

),

indicators as (

    select * from {{ ref('int_indicators_pivoted_to_la_year') }}

),

combined as (

    select
        demography.la_code,
        demography.year,
        demography.share_aged_15_29,
        demography.dependency_ratio,
        indicators.unemployment_rate,
        indicators.gva_per_head_real,
        indicators.mean_house_price,
        indicators.total_fertility_rate,
        indicators.non_uk_born_share

    from demography
    left join indicators
        on demography.la_code = indicators.la_code
        and demography.year = indicators.year

),

final as (

    select
        current_year.la_code,
        current_year.year,
        {%- for c in covariate_columns() %}
        current_year.{{ c }},
        {%- endfor %}
        {%- for c in covariate_columns() %}
        previous_year.{{ c }} as {{ c }}_lag1{{ "," if not loop.last }}
        {%- endfor %}

    from combined as current_year
    left join combined as previous_year
        on current_year.la_code = previous_year.la_code
        and current_year.year - 1 = previous_year.year

)

select * from final
