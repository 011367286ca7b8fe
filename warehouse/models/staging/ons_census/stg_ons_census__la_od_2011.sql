with

source as (

    select * from {{ source('ons_census', 'la_od_2011') }}

),

renamed as (

    select
        2011 as year,
        trim(OutLA) as sending_la_code,
        trim(InLA) as receiving_la_code,
        cast(Moves as double) as moves,
        trim(source) as source_table

    from source

)

select * from renamed
