{#- One row per person: the adult interview linked to the teenage one. Age 30 if interviewed at
    30, else the nearest older age up to 41, else the nearest younger age down to 25; interview
    years 2000-2019; the household's LA must be known. Ties (two interviews at the same age)
    go to the earlier wave. -#}
with

person_waves as (

    select * from {{ ref('int_panel_person_waves') }}

),

candidates as (

    select
        *,
        row_number() over (
            partition by pidp
            order by
                case
                    when age = 30 then 0
                    when age > 30 then age - 30
                    else 100 + (30 - age)
                end,
                wave_number
        ) as adult_rank

    from person_waves
    where was_interviewed
        and age between 25 and 41
        and year between 2000 and 2019
        and la_code is not null

),

final as (

    select
        pidp,
        wave as adult_wave,
        wave_number as adult_wave_number,
        year as adult_year,
        age as adult_age,
        la_code as adult_la_code,
        is_employed,
        is_higher_professional,
        real_labour_income,
        is_married,
        own_children_under_16,
        has_degree,
        is_home_owner

    from candidates
    where adult_rank = 1

)

select * from final
