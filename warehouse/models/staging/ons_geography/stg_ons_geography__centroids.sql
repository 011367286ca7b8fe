with

source as (

    select * from {{ source('ons_geography', 'lad_centroids') }}

),

renamed as (

    select
        trim(lad19cd) as la_code,
        cast(bng_e as double) as easting,
        cast(bng_n as double) as northing,
        cast(lat as double) as latitude,
        cast(long as double) as longitude

    from source

)

select * from renamed
