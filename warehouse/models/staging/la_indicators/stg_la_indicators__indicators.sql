with

source as (

    select * from {{ source('la_indicators', 'la_indicators') }}

),

renamed as (

    select
        trim(la_code) as la_code,
        cast(year as integer) as year,
        trim(indicator) as indicator,
        cast(value as double) as value

    from source

)

select * from renamed
