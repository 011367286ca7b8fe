-- Every published move reaches the pair mart: per year, the mart's moves equal the staged
-- raw moves (and the female + male split adds up to the total). Returns offending years.
with

raw as (

    select year, sum(moves) as raw_moves
    from {{ ref('stg_ons_migration__moves') }}
    group by year

),

mart as (

    select
        year,
        sum(moves) as mart_moves,
        sum(moves_female + moves_male) as mart_moves_by_sex
    from {{ ref('fct_la_pair_flows') }}
    group by year

)

select raw.year, raw.raw_moves, mart.mart_moves, mart.mart_moves_by_sex
from raw
full outer join mart on raw.year = mart.year
where mart.year is null
    or raw.year is null
    or abs(raw.raw_moves - mart.mart_moves) > 1e-6 * greatest(raw.raw_moves, 1)
    or abs(mart.mart_moves_by_sex - mart.mart_moves) > 1e-6 * greatest(mart.mart_moves, 1)
