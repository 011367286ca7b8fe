with

source as (

    select json from {{ source('ons_geography', 'lad_neighbours') }}

),

keyed as (

    select
        unnest(json_keys(json)) as la_code,
        json

    from source

),

renamed as (

    select
        la_code,
        unnest(from_json(json -> la_code -> 0, '["VARCHAR"]')) as neighbour_la_code

    from keyed

)

select * from renamed
