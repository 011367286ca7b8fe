{#- Region deprivation quintiles per census: regions ordered by their share of professional and
    technical jobs (lowest first, ties by code); a region takes the population-weighted fifth
    in which its middle resident falls, so quintile 1 (most deprived) holds the lowest-skill
    fifth of the population. -#}
with

regions as (

    select * from {{ ref('stg_ons_ls__regional_indicators') }}

),

cumulated as (

    select
        *,
        sum(population) over (
            partition by census_year
            order by pct_professional_technical, region_code
            rows between unbounded preceding and current row
        ) - population as population_before,
        sum(population) over (partition by census_year) as population_total

    from regions

),

final as (

    select
        census_year,
        region_code,
        region_name,
        pct_professional_technical,
        unemployment_rate,
        population,
        least(
            5,
            cast(floor((population_before + population / 2.0) / population_total * 5) as integer)
            + 1
        ) as deprivation_quintile

    from cumulated

)

select * from final
