{#- Migration rate from area type k to type m: moves(k -> m) / population(k), for each
    typology, each flow year and all years pooled, for persons, each sex and each age band.
    Population is summed over the LAs of the sending type (not over pairs).
    Incremental by year like fct_la_pair_flows: a run recomputes the years that table reloaded
    and the pooled 'all years' rows (from the new years and the years kept). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='period',
    on_schema_change='fail',
    pre_hook="{{ delete_years_gone_upstream(pair_flow_years_loaded(), 'try_cast(period as integer)') }}"
) }}
{%- set reload_years = years_to_reload(pair_flow_years_loaded(), 'try_cast(period as integer)') %}
{%- set nothing_to_do = reload_years is not none and not reload_years %}

with

pair_flows as (

    select * from {{ ref('fct_la_pair_flows') }}
    {%- if reload_years is not none %}
    where {{ in_years('year', reload_years) }}
    {%- endif %}

),

population as (

    select * from {{ ref('fct_la_year_population') }}

),

local_authorities as (

    select * from {{ ref('dim_local_authorities') }}

),

flow_years as (

    select distinct year from pair_flows

),

moves_by_type_pair as (

    {%- for t in typologies() %}
    select
        '{{ t.name }}' as typology,
        year,
        sending_{{ t.column }} as sending_type,
        receiving_{{ t.column }} as receiving_type,
        {%- for b in flow_breakdowns() %}
        sum(moves{{ b.suffix }}) as moves{{ b.suffix }}{{ "," if not loop.last }}
        {%- endfor %}
    from pair_flows
    where sending_{{ t.column }} is not null and receiving_{{ t.column }} is not null
    group by year, sending_{{ t.column }}, receiving_{{ t.column }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

population_by_type as (

    {%- for t in typologies() %}
    select
        '{{ t.name }}' as typology,
        population.year,
        local_authorities.{{ t.column }} as sending_type,
        {%- for b in flow_breakdowns() %}
        sum(population.population{{ b.suffix }}) as population{{ b.suffix }}{{ "," if not loop.last }}
        {%- endfor %}
    from population
    inner join local_authorities on population.la_code = local_authorities.la_code
    inner join flow_years on population.year = flow_years.year
    where local_authorities.{{ t.column }} is not null
    group by population.year, local_authorities.{{ t.column }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

long_by_year as (

    {%- for b in flow_breakdowns() %}
    select
        moves_by_type_pair.typology,
        cast(moves_by_type_pair.year as varchar) as period,
        moves_by_type_pair.sending_type,
        moves_by_type_pair.receiving_type,
        '{{ b.sex }}' as sex,
        '{{ b.age_band }}' as age_band,
        moves_by_type_pair.moves{{ b.suffix }} as moves,
        population_by_type.population{{ b.suffix }} as sending_population
    from moves_by_type_pair
    inner join population_by_type
        on moves_by_type_pair.typology = population_by_type.typology
        and moves_by_type_pair.year = population_by_type.year
        and moves_by_type_pair.sending_type = population_by_type.sending_type
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

kept_years as (

    {%- if reload_years is not none %}
    select
        typology, period, sending_type, receiving_type, sex, age_band, moves, sending_population
    from {{ this }}
    where period <> 'all years' and not {{ in_years('try_cast(period as integer)', reload_years) }}
    {%- else %}
    select
        typology, period, sending_type, receiving_type, sex, age_band, moves, sending_population
    from long_by_year
    where false
    {%- endif %}

),

all_years_pooled as (

    select
        typology,
        'all years' as period,
        sending_type,
        receiving_type,
        sex,
        age_band,
        sum(moves) as moves,
        sum(sending_population) as sending_population

    from (
        select * from long_by_year
        union all
        select * from kept_years
    )
    {%- if nothing_to_do %}
    where false
    {%- endif %}
    group by typology, sending_type, receiving_type, sex, age_band

),

combined as (

    select * from long_by_year
    union all
    select * from all_years_pooled

),

final as (

    select
        typology,
        period,
        sending_type,
        receiving_type,
        sex,
        age_band,
        moves,
        sending_population,
        case when sending_population > 0 then moves / sending_population end as rate,
        {{ load_timestamp() }} as loaded_at

    from combined

)

select * from final
