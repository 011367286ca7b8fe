{#- The rename reads the source directly, without the usual import CTE: with a subquery
    between the file scan and the year filter, DuckDB reads every file, while this way an
    incremental run reads only the files of the years it loads (the year is in the name). -#}
with

renamed as (

    select
        cast(regexp_extract(filename, 'Detailed_Estimates_([0-9]{4})_', 1) as integer) as year,
        trim(OutLA) as sending_la_code,
        trim(InLA) as receiving_la_code,
        cast(Age as integer) as age,
        case upper(trim(Sex)) when 'F' then 'female' when 'M' then 'male' end as sex,
        cast(Moves as double) as moves

    from {{ source('ons_migration', 'detailed_estimates') }}

)

select * from renamed
