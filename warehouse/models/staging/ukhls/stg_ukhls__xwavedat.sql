{#- Cross-wave characteristics, one row per person. -#}
{%- set missing = ukds_missing_codes() -%}
with

source as (

    select * from {{ source('ukhls', 'xwavedat') }}

),

renamed as (

    select
        cast(pidp as bigint) as pidp,
        case cast(sex as integer) when 1 then 'male' when 2 then 'female' end as sex,
        case
            when cast(birth_year as integer) in {{ missing }} then null
            else cast(birth_year as integer)
        end as birth_year,
        case
            when cast(ethnic_group as integer) in {{ missing }} then null
            else cast(ethnic_group as integer)
        end as ethnic_group,
        case
            when cast(born_in_uk as integer) in {{ missing }} then null
            else cast(born_in_uk as integer)
        end as born_in_uk,
        cast(sample_origin as integer) as sample_origin

    from source

)

select * from renamed
