with

local_authorities as (

    select * from {{ ref('stg_ons_geography__local_authorities') }}

),

centroids as (

    select * from {{ ref('stg_ons_geography__centroids') }}

),

typologies as (

    select * from {{ ref('int_la_typologies_assigned') }}

),

final as (

    select
        local_authorities.la_code,
        local_authorities.la_name,
        local_authorities.region_code,
        local_authorities.region_name,
        local_authorities.country_code,
        local_authorities.country_name,
        centroids.latitude,
        centroids.longitude,
        centroids.easting,
        centroids.northing,
        typologies.smi_rank,
        typologies.smi_category,
        typologies.supergroup,
        typologies.imd_rank,
        typologies.imd_quintile

    from local_authorities
    left join centroids on local_authorities.la_code = centroids.la_code
    left join typologies on local_authorities.la_code = typologies.la_code

)

select * from final
