{#- Household grid, waves stacked: who lives with whom, and which parents are in the household. -#}
{%- set missing = ukds_missing_codes() -%}
with

source as (

    select * from {{ source('ukhls', 'indall') }}

),

renamed as (

    select
        wave,
        cast(wave_number as integer) as wave_number,
        study,
        cast(wave_year as integer) as wave_year,
        cast(pidp as bigint) as pidp,
        cast(hidp as bigint) as hidp,
        cast(pno as integer) as pno,
        case
            when cast(age as integer) in {{ missing }} then null
            else cast(age as integer)
        end as age,
        case
            when cast(father_pidp as bigint) in {{ missing }} then null
            else cast(father_pidp as bigint)
        end as father_pidp,
        case
            when cast(mother_pidp as bigint) in {{ missing }} then null
            else cast(mother_pidp as bigint)
        end as mother_pidp

    from source

)

select * from renamed
