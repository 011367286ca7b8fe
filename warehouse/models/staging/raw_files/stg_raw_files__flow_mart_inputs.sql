{#- The raw files the flow marts are built from, one row per file, with the flow year of a
    detailed-estimates file (null for a file every flow year uses). Only the file metadata is
    projected, so DuckDB does not read the contents. The path is relative to the data
    directory (folder/file), so the same files reached another way are not new. -#}
with

source as (

    select filename, size, last_modified
    from {{ source('raw_files', 'flow_mart_inputs') }}

),

renamed as (

    select
        regexp_extract(filename, '[^/]+/[^/]+$') as file_path,
        cast(
            nullif(regexp_extract(filename, 'Detailed_Estimates_([0-9]{4})_Dataset_', 1), '')
            as integer
        ) as year,
        size as size_bytes,
        timezone('UTC', last_modified) as modified_at

    from source

)

select * from renamed
