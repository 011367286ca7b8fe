with

source as (

    select * from {{ source('mhclg', 'imd2010_la_summary') }}

),

renamed as (

    select
        trim(la_code) as la_code,
        cast(imd_average_score as double) as imd_average_score,
        cast(imd_rank_of_average_score as integer) as imd_rank

    from source

)

select * from renamed
