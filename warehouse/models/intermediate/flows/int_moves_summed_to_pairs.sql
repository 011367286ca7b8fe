{#- Moves per sending LA, receiving LA and year, in total and by sex and age band. -#}
with

moves as (

    select * from {{ ref('stg_ons_migration__moves') }}

),

summed as (

    select
        sending_la_code,
        receiving_la_code,
        year,
        {%- for b in flow_breakdowns() %}
        sum(case when {{ b.condition }} then moves else 0 end) as moves{{ b.suffix }},
        {%- endfor %}
        count(*) as published_rows

    from moves
    group by sending_la_code, receiving_la_code, year

)

select * from summed
