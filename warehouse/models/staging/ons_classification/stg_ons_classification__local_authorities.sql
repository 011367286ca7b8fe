with

source as (

    select * from {{ source('ons_classification', 'area_classification_2011') }}

),

renamed as (

    select
        trim(la_code) as la_code,
        trim(supergroup) as supergroup,
        trim(supergroup_code) as supergroup_code,
        trim("group") as area_group,
        trim(subgroup) as subgroup

    from source

)

select * from renamed
