with

source as (

    select * from {{ source('ons_geography', 'la_crosswalk') }}

),

renamed as (

    select
        trim(from_code) as from_la_code,
        trim(from_name) as from_la_name,
        trim(from_vintage) as from_vintage,
        trim(to_code) as la_code,
        trim(to_name) as la_name,
        cast(weight as double) as weight

    from source

)

select * from renamed
