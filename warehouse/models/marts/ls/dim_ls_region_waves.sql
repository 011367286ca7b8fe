{#- One row per region and census: the regional economy and the deprivation quintile. -#}
with

ranked as (

    select * from {{ ref('int_ls_regions_ranked_by_skill') }}

),

final as (

    select
        census_year,
        region_code,
        region_name,
        pct_professional_technical,
        unemployment_rate,
        population,
        deprivation_quintile,
        deprivation_quintile = 1 as is_most_deprived_quintile

    from ranked

)

select * from final
