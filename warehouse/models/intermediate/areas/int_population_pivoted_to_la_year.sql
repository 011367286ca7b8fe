{#- Population per LA and year, in total and by each published breakdown, plus the two
    demographic covariates derived from it. -#}
with

population as (

    select * from {{ ref('stg_ons_population__mid_year_estimates') }}

),

pivoted as (

    select
        la_code,
        year,
        {%- for b in flow_breakdowns() %}
        sum(case when {{ b.condition }} then population else 0 end) as population{{ b.suffix }},
        {%- endfor %}
        sum(case when age between 15 and 29 then population else 0 end) as population_aged_15_29,
        sum(case when age between 18 and 64 then population else 0 end) as population_aged_18_64,
        sum(case when age >= 65 then population else 0 end) as population_aged_65_plus

    from population
    group by la_code, year

),

final as (

    select
        *,
        population_aged_15_29 / population as share_aged_15_29,
        population_aged_65_plus / population_aged_18_64 as dependency_ratio

    from pivoted

)

select * from final
