with

population as (

    select * from {{ ref('int_population_pivoted_to_la_year') }}

),

final as (

    select
        la_code,
        year,
        {%- for b in flow_breakdowns() %}
        population{{ b.suffix }},
        {%- endfor %}
        population_aged_15_29,
        population_aged_18_64,
        population_aged_65_plus

    from population

)

select * from final
