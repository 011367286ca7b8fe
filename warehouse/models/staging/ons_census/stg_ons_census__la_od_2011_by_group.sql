with

source as (

    select * from {{ source('ons_census', 'la_od_2011_by_group') }}

),

renamed as (

    select
        2011 as year,
        trim(OutLA) as sending_la_code,
        trim(InLA) as receiving_la_code,
        trim(breakdown) as breakdown,
        trim(category) as category,
        cast(Moves as double) as moves

    from source

)

select * from renamed
