{#- Special Licence geography: the LA district of each household per wave. -#}
with

source as (

    select * from {{ source('ukhls', 'lad') }}

),

renamed as (

    select
        wave,
        cast(wave_number as integer) as wave_number,
        cast(hidp as bigint) as hidp,
        case when trim(la_code) in {{ ukds_missing_strings() }} then null
            else trim(la_code)
        end as la_code

    from source

)

select * from renamed
