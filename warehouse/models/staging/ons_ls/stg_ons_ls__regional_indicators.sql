with

source as (

    select * from {{ source('ons_ls', 'regional_indicators') }}

),

renamed as (

    select
        cast(census_year as integer) as census_year,
        trim(gor) as region_code,
        trim(region_name) as region_name,
        cast(pct_prof_tech as double) as pct_professional_technical,
        cast(unemployment_rate as double) as unemployment_rate,
        cast(population as bigint) as population

    from source

)

select * from renamed
