with

source as (

    select * from {{ source('ons_geography', 'ltla_lookup') }}

),

renamed as (

    select
        trim(ltlacd) as la_code,
        trim(ltlanm) as la_name,
        trim(rgncd) as region_code,
        trim(rgnnm) as region_name,
        trim(ctrycd) as country_code,
        trim(ctrynm) as country_name

    from source

)

select * from renamed
