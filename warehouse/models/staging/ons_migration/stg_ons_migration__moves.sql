{#- A table, not a view like the other staging models: its tests and the pair sums read it
    about ten times, and re-parsing the ~15 M CSV rows for each read costs far more than
    storing them once. -#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('ons_migration', 'detailed_estimates') }}

),

renamed as (

    select
        cast(regexp_extract(filename, 'Detailed_Estimates_([0-9]{4})_', 1) as integer) as year,
        trim(OutLA) as sending_la_code,
        trim(InLA) as receiving_la_code,
        cast(Age as integer) as age,
        case upper(trim(Sex)) when 'F' then 'female' when 'M' then 'male' end as sex,
        cast(Moves as double) as moves

    from source

)

select * from renamed
