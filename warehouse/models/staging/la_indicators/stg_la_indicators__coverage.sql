with

source as (

    select * from {{ source('la_indicators', 'coverage') }}

),

renamed as (

    select
        trim(indicator) as indicator,
        cast(year as integer) as year,
        source_file,
        cast(nullif(trim(source_year), '') as integer) as source_year,
        cast(filled_by_rule as boolean) as filled_by_rule,
        cast(la_observed as integer) as la_observed,
        cast(la_filled as integer) as la_filled,
        cast(la_filled_from_neighbours as integer) as la_filled_from_neighbours,
        cast(la_missing as integer) as la_missing,
        note

    from source

)

select * from renamed
