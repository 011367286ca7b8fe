-- Every published move reaches the pair marts: per year and flow source, the mart's moves
-- equal the staged raw moves (ONS detailed estimates -> fct_la_pair_flows, where the female +
-- male split must also add up; Census 2011 and 2021 -> fct_census_la_pair_flows, total only).
-- Returns offending (year, flow source) rows.
with

raw as (

    select year, 'ons_detailed_estimates' as flow_source, sum(moves) as raw_moves
    from {{ ref('stg_ons_migration__moves') }}
    group by year
    union all
    select year, 'census_2011' as flow_source, sum(moves) as raw_moves
    from {{ ref('stg_ons_census__la_od_2011') }}
    group by year
    union all
    select year, 'census_2021' as flow_source, sum(moves) as raw_moves
    from {{ ref('stg_ons_census__la_od_2021') }}
    group by year

),

mart as (

    select
        year,
        flow_source,
        sum(moves) as mart_moves,
        sum(moves_female + moves_male) as mart_moves_by_sex
    from {{ ref('fct_la_pair_flows') }}
    group by year, flow_source
    union all
    select
        year,
        flow_source,
        sum(moves) as mart_moves,
        sum(moves) as mart_moves_by_sex
    from {{ ref('fct_census_la_pair_flows') }}
    group by year, flow_source

)

select
    coalesce(raw.year, mart.year) as year,
    coalesce(raw.flow_source, mart.flow_source) as flow_source,
    raw.raw_moves,
    mart.mart_moves,
    mart.mart_moves_by_sex
from raw
full outer join mart on raw.year = mart.year and raw.flow_source = mart.flow_source
where mart.year is null
    or raw.year is null
    or abs(raw.raw_moves - mart.mart_moves) > 1e-6 * greatest(raw.raw_moves, 1)
    or abs(mart.mart_moves_by_sex - mart.mart_moves) > 1e-6 * greatest(mart.mart_moves, 1)
