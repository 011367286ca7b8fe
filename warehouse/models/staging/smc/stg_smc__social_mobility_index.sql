with

source as (

    select * from {{ source('smc', 'social_mobility_index_2017') }}

),

renamed as (

    select
        trim(la_code) as la_code,
        cast(overall_score as double) as smi_score,
        cast(overall_rank as integer) as smi_rank

    from source

)

select * from renamed
