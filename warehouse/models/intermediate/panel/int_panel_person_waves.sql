{#- One row per person per wave enumerated in the household grid, with the household's LA, the
    person's interview answers (if interviewed) recoded into model variables, and cross-wave
    characteristics. Employed = jbstat 1 or 2; class = NS-SEC of the current job, else of the
    last job (higher managerial/professional = its three-class top, 8-class codes 1-3; null
    when there is neither); income deflated to 2015 pounds with the CPI seed. -#}
with

grid as (

    select * from {{ ref('stg_ukhls__indall') }}

),

interviews as (

    select * from {{ ref('stg_ukhls__indresp') }}

),

households as (

    select * from {{ ref('stg_ukhls__hhresp') }}

),

geography as (

    select * from {{ ref('int_panel_household_las_harmonised') }}

),

people as (

    select * from {{ ref('stg_ukhls__xwavedat') }}

),

cpi as (

    select * from {{ ref('cpi_annual') }}

),

recoded as (

    select
        pidp,
        wave_number,
        interview_year,
        age,
        case
            when employment_status is null then null
            else employment_status in (1, 2)
        end as is_employed,
        case
            when employment_status in (1, 2) then current_nssec8
            else last_job_nssec8
        end as occupation_nssec8,
        -- Top class of the three-class NS-SEC (8-class codes 1-3) of the current job, else
        -- the last job; null (not false) with no current or last occupation.
        case
            when employment_status in (1, 2) then current_nssec8 between 1 and 3
            else last_job_nssec8 between 1 and 3
        end as is_higher_professional,
        case when employment_status in (1, 2) then gross_labour_income end
            as gross_labour_income,
        marital_status in (2, 3) as is_married,
        own_children_under_16,
        highest_qualification in (1, 2) as has_degree

    from interviews

),

final as (

    select
        grid.pidp,
        grid.wave,
        grid.wave_number,
        grid.study,
        grid.hidp,
        coalesce(recoded.interview_year, grid.wave_year) as year,
        coalesce(recoded.age, grid.age) as age,
        grid.father_pidp,
        grid.mother_pidp,
        geography.la_code,
        recoded.pidp is not null as was_interviewed,
        recoded.is_employed,
        recoded.is_higher_professional,
        case
            when recoded.occupation_nssec8 between 1 and 3 then 1
            when recoded.occupation_nssec8 between 4 and 5 then 2
            when recoded.occupation_nssec8 between 6 and 8 then 3
        end as nssec3,
        recoded.gross_labour_income,
        recoded.gross_labour_income * 100.0 / cpi.cpi_index_2015 as real_labour_income,
        recoded.is_married,
        recoded.own_children_under_16,
        recoded.has_degree,
        households.tenure in (1, 2) as is_home_owner,
        people.sex = 'female' as is_female,
        people.ethnic_group = 1 as is_white_british,
        people.born_in_uk = 2 as is_born_abroad,
        people.birth_year

    from grid
    left join recoded
        on grid.pidp = recoded.pidp and grid.wave_number = recoded.wave_number
    left join geography
        on grid.hidp = geography.hidp and grid.wave_number = geography.wave_number
    left join households
        on grid.hidp = households.hidp and grid.wave_number = households.wave_number
    left join people on grid.pidp = people.pidp
    left join cpi on coalesce(recoded.interview_year, grid.wave_year) = cpi.year

)

select * from final
