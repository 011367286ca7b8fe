{#- Within a census, a region with a higher share of professional and technical jobs never sits
    in a lower (more deprived) quintile, and every census uses all five quintiles. -#}
with

region_waves as (

    select * from {{ ref('dim_ls_region_waves') }}

),

out_of_order as (

    select lower_skill.census_year, lower_skill.region_code, 'out of order' as problem
    from region_waves as lower_skill
    inner join region_waves as higher_skill
        on lower_skill.census_year = higher_skill.census_year
        and lower_skill.pct_professional_technical < higher_skill.pct_professional_technical
        and lower_skill.deprivation_quintile > higher_skill.deprivation_quintile

),

incomplete as (

    select census_year, null as region_code, 'fewer than five quintiles' as problem
    from region_waves
    group by census_year
    having count(distinct deprivation_quintile) < 5

)

select * from out_of_order
union all
select * from incomplete
