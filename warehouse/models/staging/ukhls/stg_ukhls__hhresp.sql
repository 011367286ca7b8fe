{#- Household interviews, waves stacked. -#}
{%- set missing = ukds_missing_codes() -%}
with

source as (

    select * from {{ source('ukhls', 'hhresp') }}

),

renamed as (

    select
        wave,
        cast(wave_number as integer) as wave_number,
        cast(hidp as bigint) as hidp,
        case
            when cast(tenure as integer) in {{ missing }} then null
            else cast(tenure as integer)
        end as tenure

    from source

)

select * from renamed
