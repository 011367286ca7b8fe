{#- One row per LA and year with each published indicator as a column, in model units. -#}
with

indicators as (

    select * from {{ ref('stg_la_indicators__indicators') }}

),

pivoted as (

    select
        la_code,
        year,
        max(case when indicator = 'unemployment_rate' then value end) as unemployment_rate,
        max(case when indicator = 'gva_per_head_real' then value end) as gva_per_head_real,
        max(case when indicator = 'mean_house_price' then value end) as mean_house_price,
        max(case when indicator = 'total_fertility_rate' then value end) as total_fertility_rate,
        max(case when indicator = 'non_uk_born_pct' then value end) / 100.0 as non_uk_born_share,
        max(case when indicator = 'professional_share_pct' then value end) / 100.0
            as professional_share

    from indicators
    group by la_code, year

)

select * from pivoted
