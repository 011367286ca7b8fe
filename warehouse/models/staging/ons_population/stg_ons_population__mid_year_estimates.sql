with

source as (

    select * from {{ source('ons_population', 'nomis_mid_year_estimates') }}

),

renamed as (

    select
        cast(regexp_extract(filename, 'mid([0-9]{4})', 1) as integer) as year,
        trim(GEOGRAPHY_CODE) as la_code,
        case trim(GENDER) when '1' then 'male' when '2' then 'female' end as sex,
        cast(C_AGE as integer) - 101 as age,
        cast(OBS_VALUE as double) as population

    from source

)

select * from renamed
