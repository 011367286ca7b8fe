{#- One row per person observed as a teenager living with a parent and again as an adult:
    strand B's analysis sample. Mover = adult LA differs from teenage LA (people who left and
    came back are stayers); distance is between the two LA centroids (haversine, miles; 0 for
    stayers). LA economy is the adult LA's in the adult interview year. -#}
with

teens as (

    select * from {{ ref('int_panel_teen_observations') }}

),

adults as (

    select * from {{ ref('int_panel_adult_observations') }}

),

people as (

    select * from {{ ref('stg_ukhls__xwavedat') }}

),

local_authorities as (

    select * from {{ ref('dim_local_authorities') }}

),

indicators as (

    select * from {{ ref('int_indicators_pivoted_to_la_year') }}

),

linked as (

    select
        teens.pidp,
        teens.teen_wave,
        teens.teen_year,
        teens.teen_age,
        teens.teen_la_code,
        teens.parent_class,
        teens.reason_for_job_1,
        teens.reason_for_job_2,
        teens.aspect_of_job_1,
        teens.aspect_of_job_2,
        adults.adult_wave,
        adults.adult_year,
        adults.adult_age,
        adults.adult_la_code,
        adults.adult_la_code <> teens.teen_la_code as is_mover,
        radians(adult_la.latitude) as lat2,
        radians(teen_la.latitude) as lat1,
        radians(adult_la.latitude - teen_la.latitude) as dlat,
        radians(adult_la.longitude - teen_la.longitude) as dlon,
        adult_la.region_code as adult_region_code,
        adult_la.region_name as adult_region_name,
        adults.is_employed,
        adults.is_higher_professional,
        case when adults.is_employed then adults.real_labour_income end
            as real_monthly_labour_income,
        people.sex = 'female' as is_female,
        people.ethnic_group = 1 as is_white_british,
        adults.is_married,
        adults.own_children_under_16 > 0 as has_children_under_16,
        adults.own_children_under_16 as n_children_under_16,
        adults.has_degree,
        adults.is_home_owner,
        people.born_in_uk = 2 as is_born_abroad,
        indicators.unemployment_rate as la_unemployment_rate,
        indicators.professional_share as la_professional_share

    from teens
    inner join adults on teens.pidp = adults.pidp
    left join people on teens.pidp = people.pidp
    left join local_authorities as teen_la on teens.teen_la_code = teen_la.la_code
    left join local_authorities as adult_la on adults.adult_la_code = adult_la.la_code
    left join indicators
        on adults.adult_la_code = indicators.la_code and adults.adult_year = indicators.year

),

final as (

    select
        pidp,
        teen_wave,
        teen_year,
        teen_age,
        teen_la_code,
        parent_class,
        case parent_class
            when 1 then 'Higher managerial, administrative and professional'
            when 2 then 'Intermediate'
            when 3 then 'Routine and manual'
        end as parent_class_label,
        reason_for_job_1,
        reason_for_job_2,
        aspect_of_job_1,
        aspect_of_job_2,
        adult_wave,
        adult_year,
        adult_age,
        adult_la_code,
        adult_region_code,
        adult_region_name,
        is_mover,
        case
            when is_mover then 2 * 3958.8 * asin(sqrt(
                power(sin(dlat / 2), 2) + cos(lat1) * cos(lat2) * power(sin(dlon / 2), 2)
            ))
            else 0.0
        end as distance_miles,
        is_employed,
        is_higher_professional,
        real_monthly_labour_income,
        is_female,
        is_white_british,
        is_married,
        has_children_under_16,
        n_children_under_16,
        has_degree,
        is_home_owner,
        is_born_abroad,
        la_unemployment_rate,
        la_professional_share

    from linked

)

select * from final
